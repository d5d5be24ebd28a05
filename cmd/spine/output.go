package main

import (
	"encoding/json"
	"flag"
	"io"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// outputFlag registers --output with the formats a command supports (the first is default).
func outputFlag(fs *flag.FlagSet, target *string, formats ...string) {
	*target = formats[0]
	fs.StringVar(target, "output", formats[0], strings.Join(formats, " | "))
}

func checkOutput(value string, formats ...string) error {
	for _, f := range formats {
		if value == f {
			return nil
		}
	}
	return badUsage("--output %q: want one of %s", value, strings.Join(formats, ", "))
}

// writeJSON prints v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// contentText renders MCP content for people: text as is, anything else as JSON.
func contentText(content []mcp.Content) string {
	var parts []string
	for _, c := range content {
		switch c := c.(type) {
		case *mcp.TextContent:
			parts = append(parts, c.Text)
		case *mcp.EmbeddedResource:
			if c.Resource != nil && c.Resource.Text != "" {
				parts = append(parts, c.Resource.Text)
				continue
			}
			b, _ := json.Marshal(c)
			parts = append(parts, string(b))
		default:
			b, _ := json.Marshal(c)
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}

// firstLine shortens a description to its first line for tables.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
