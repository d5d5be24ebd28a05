package content

import (
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Text is the text of a tool result's (or a prompt message's) content: see the package doc.
func Text(cs []mcp.Content) string {
	var b strings.Builder
	n := 0
	for _, c := range cs {
		if t, ok := textOf(c); ok {
			if n > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(t)
			n++
		}
	}
	return b.String()
}

// Omitted counts the parts of cs that have no text (images, audio, binary resources), so
// that a person shown Text can be told something was left out.
func Omitted(cs []mcp.Content) int {
	n := 0
	for _, c := range cs {
		if _, ok := textOf(c); !ok {
			n++
		}
	}
	return n
}

// ResourceText is the text of a resource read: the text of its contents, joined with "\n";
// binary contents are left out.
func ResourceText(rcs []*mcp.ResourceContents) string {
	texts := make([]string, 0, len(rcs))
	for _, rc := range rcs {
		if rc != nil && rc.Blob == nil {
			texts = append(texts, rc.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// PromptText is the text of a prompt: the text of its messages' content, joined with "\n".
func PromptText(msgs []*mcp.PromptMessage) string {
	cs := make([]mcp.Content, 0, len(msgs))
	for _, m := range msgs {
		if m != nil {
			cs = append(cs, m.Content)
		}
	}
	return Text(cs)
}

// textOf is the text of one part of a result, and whether it has any.
func textOf(c mcp.Content) (string, bool) {
	switch c := c.(type) {
	case *mcp.TextContent:
		if c != nil {
			return c.Text, true
		}
	case *mcp.EmbeddedResource:
		if c != nil && c.Resource != nil && c.Resource.Blob == nil {
			return c.Resource.Text, true
		}
	case *mcp.ResourceLink:
		if c != nil {
			return c.URI, true
		}
	}
	return "", false
}
