package content_test

import (
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/content"
)

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		in      []mcp.Content
		want    string
		omitted int
	}{
		{"none", nil, "", 0},
		{"text parts in order", []mcp.Content{&mcp.TextContent{Text: "a"}, &mcp.TextContent{Text: "b"}}, "a\nb", 0},
		{"an empty text part still counts", []mcp.Content{&mcp.TextContent{Text: ""}, &mcp.TextContent{Text: "b"}}, "\nb", 0},
		{"images and audio are left out", []mcp.Content{&mcp.TextContent{Text: "a"}, &mcp.ImageContent{Data: []byte{1}, MIMEType: "image/png"},
			&mcp.AudioContent{Data: []byte{2}, MIMEType: "audio/wav"}, &mcp.TextContent{Text: "b"}}, "a\nb", 2},
		{"an embedded text resource is its text", []mcp.Content{&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "x://doc", Text: "doc"}}}, "doc", 0},
		{"an embedded blob is left out", []mcp.Content{&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "x://bin", Blob: []byte{0}}}}, "", 1},
		{"a resource link is its URI", []mcp.Content{&mcp.TextContent{Text: "see"}, &mcp.ResourceLink{URI: "x://linked", Name: "linked"}}, "see\nx://linked", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := content.Text(tt.in); got != tt.want {
				t.Errorf("Text = %q, want %q", got, tt.want)
			}
			if got := content.Omitted(tt.in); got != tt.omitted {
				t.Errorf("Omitted = %d, want %d", got, tt.omitted)
			}
		})
	}
}

func TestResourceAndPromptText(t *testing.T) {
	rr := []*mcp.ResourceContents{{URI: "a", Text: "one"}, nil, {URI: "b", Blob: []byte{1}}, {URI: "c", Text: "two"}}
	if got := content.ResourceText(rr); got != "one\ntwo" {
		t.Errorf("ResourceText = %q", got)
	}
	msgs := []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hi"}}, nil,
		{Role: "assistant", Content: &mcp.ImageContent{Data: []byte{1}}}, {Role: "assistant", Content: &mcp.TextContent{Text: "ho"}}}
	if got := content.PromptText(msgs); got != "hi\nho" {
		t.Errorf("PromptText = %q", got)
	}
}
