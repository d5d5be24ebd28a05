package workflows

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestToolResult(t *testing.T) {
	type sum struct {
		Sum int `json:"sum"`
	}
	tests := []struct {
		name string
		in   *mcp.CallToolResult
		want Result
	}{
		{"nil", nil, Result{}},
		{"text", &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "a"}, &mcp.ImageContent{Data: []byte{1}}, &mcp.TextContent{Text: "b"}}},
			Result{Text: "a\nb"}},
		{"text that is JSON", &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: `{"n": 1, "l": [true]}`}}},
			Result{Text: `{"n": 1, "l": [true]}`, JSON: map[string]any{"n": 1.0, "l": []any{true}}}},
		{"number text", &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "42"}}}, Result{Text: "42", JSON: 42.0}},
		{"structured Go value", &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "5"}}, StructuredContent: sum{5}},
			Result{Text: "5", JSON: map[string]any{"sum": 5.0}}},
		{"structured raw", &mcp.CallToolResult{StructuredContent: json.RawMessage(`[1, "x"]`)}, Result{JSON: []any{1.0, "x"}}},
		{"error result", &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "boom"}}, IsError: true},
			Result{Text: "boom", IsError: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToolResult(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ToolResult = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestToolResultFromWire converts a result as a client receives it, decoded from JSON.
func TestToolResultFromWire(t *testing.T) {
	var r mcp.CallToolResult
	wire := `{"content":[{"type":"text","text":"{\"sum\":5}"}],"structuredContent":{"sum":5,"parts":[2,3]}}`
	if err := json.Unmarshal([]byte(wire), &r); err != nil {
		t.Fatal(err)
	}
	want := Result{Text: `{"sum":5}`, JSON: map[string]any{"sum": 5.0, "parts": []any{2.0, 3.0}}}
	if got := ToolResult(&r); !reflect.DeepEqual(got, want) {
		t.Errorf("ToolResult = %#v, want %#v", got, want)
	}
}

func TestResourceResult(t *testing.T) {
	r := &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{
		{URI: "demo://readme", Text: "# Readme"},
		{URI: "demo://logo", Blob: []byte{0x89}},
		nil,
		{URI: "demo://more", Text: "more"},
	}}
	if got, want := ResourceResult(r), (Result{Text: "# Readme\nmore"}); !reflect.DeepEqual(got, want) {
		t.Errorf("ResourceResult = %#v, want %#v", got, want)
	}
	js := &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: "x://j", MIMEType: "application/json", Text: `{"a":1}`}}}
	if got := ResourceResult(js); !reflect.DeepEqual(got.JSON, map[string]any{"a": 1.0}) {
		t.Errorf("ResourceResult JSON = %#v", got.JSON)
	}
	if got := ResourceResult(nil); !reflect.DeepEqual(got, Result{}) {
		t.Errorf("ResourceResult(nil) = %#v", got)
	}
}

func TestPromptResult(t *testing.T) {
	r := &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
		{Role: "user", Content: &mcp.TextContent{Text: "Summarize pooling"}},
		{Role: "assistant", Content: &mcp.ImageContent{Data: []byte{1}}},
		nil,
		{Role: "assistant", Content: &mcp.TextContent{Text: "Sure."}},
	}}
	if got, want := PromptResult(r), (Result{Text: "Summarize pooling\nSure."}); !reflect.DeepEqual(got, want) {
		t.Errorf("PromptResult = %#v, want %#v", got, want)
	}
	if got := PromptResult(nil); !reflect.DeepEqual(got, Result{}) {
		t.Errorf("PromptResult(nil) = %#v", got)
	}
}

func TestPromptArgs(t *testing.T) {
	got := PromptArgs(map[string]any{"s": "x", "n": int64(3), "f": 2.5, "b": true, "l": []any{"a", 1.0}, "m": map[string]any{"k": "v"}, "z": nil})
	want := map[string]string{"s": "x", "n": "3", "f": "2.5", "b": "true", "l": `["a",1]`, "m": `{"k":"v"}`, "z": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PromptArgs = %v, want %v", got, want)
	}
}
