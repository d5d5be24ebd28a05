package workflows

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/content"
)

// Result is what a step produced, as templates see it: .steps.ID.text, .steps.ID.json and
// .steps.ID.is_error.
type Result struct {
	Text    string // the text contents, joined with "\n"
	JSON    any    // structured content, else Text parsed as JSON, else nil; decoded as encoding/json decodes into any
	IsError bool   // the step failed: the tool reported an error, or the call failed
	Error   string // why the step failed; "" when it did not
	Skipped bool   // the step did not run (its if was false, or a dependency did not succeed)
	// Items are the results of a for_each step's items, in item order; nil for other steps.
	// The step's Text joins the items' texts with "\n", its JSON lists their JSON.
	Items []Result
}

// ItemsResult is the result of a for_each step from its items' results: Items, Text the
// items' texts joined with "\n", JSON the list of their JSON values, IsError and Error from
// the first item that failed.
func ItemsResult(items []Result) Result {
	if items == nil {
		items = []Result{}
	}
	r := Result{Items: items}
	texts := make([]string, len(items))
	list := make([]any, len(items))
	for i, it := range items {
		texts[i], list[i] = it.Text, it.JSON
		if it.IsError && !r.IsError {
			r.IsError, r.Error = true, fmt.Sprintf("item %d: %s", i, it.Error)
		}
	}
	r.Text, r.JSON = strings.Join(texts, "\n"), list
	return r
}

// ToolResult converts a tool call's result. Text is the result's text (package
// internal/content: text parts joined with "\n", images and audio left out). JSON is the structured content, decoded to plain maps, slices,
// float64s, strings and booleans; without structured content, it is Text parsed as JSON when
// Text is JSON, else nil.
func ToolResult(r *mcp.CallToolResult) Result {
	if r == nil {
		return Result{}
	}
	res := Result{Text: content.Text(r.Content), IsError: r.IsError}
	if r.StructuredContent != nil {
		if v, ok := plainJSON(r.StructuredContent); ok {
			res.JSON = v
			return res
		}
	}
	res.JSON = parseJSON(res.Text)
	return res
}

// ResourceResult converts a resource read's result. Text joins the text of the contents with
// "\n" (blobs are left out); JSON is Text parsed as JSON when it is JSON, else nil.
func ResourceResult(r *mcp.ReadResourceResult) Result {
	if r == nil {
		return Result{}
	}
	text := content.ResourceText(r.Contents)
	return Result{Text: text, JSON: parseJSON(text)}
}

// PromptResult converts a prompt fetch's result. Text joins the text contents of the messages
// with "\n"; JSON is Text parsed as JSON when it is JSON, else nil.
func PromptResult(r *mcp.GetPromptResult) Result {
	if r == nil {
		return Result{}
	}
	text := content.PromptText(r.Messages)
	return Result{Text: text, JSON: parseJSON(text)}
}

// plainJSON returns v as encoding/json would decode it into an any: a server written in Go may
// hand over its own types, a client receives maps, and templates need one shape.
func plainJSON(v any) (any, bool) {
	b, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, false
		}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, false
	}
	return out, true
}

// parseJSON returns text decoded as JSON, or nil when it is not JSON.
func parseJSON(text string) any {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil
	}
	return v
}

// PromptArgs converts rendered arguments for a prompt fetch, whose arguments MCP types as
// strings: strings pass as they are, numbers and booleans are formatted, lists and tables
// become their JSON text, and a null becomes "".
func PromptArgs(args map[string]any) map[string]string {
	if args == nil {
		return nil
	}
	out := make(map[string]string, len(args))
	for k, v := range args {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
			out[k] = ""
		case []any, map[string]any, []map[string]any:
			if b, err := json.Marshal(v); err == nil {
				out[k] = string(b)
			} else {
				out[k] = fmt.Sprint(v)
			}
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}
