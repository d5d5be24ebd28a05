// Package content is the one place that says what the text of an MCP result is: the text
// `spine call` prints, a workflow step's .text, and the answer delegated self-description
// reads.
//
// The text of a result is its text parts, in order, joined with "\n": text content, the text
// of embedded text resources, and the URI of resource links. Images, audio and binary
// resources have no text and are left out (--output json, or the result itself, has them).
//
//	text := content.Text(res.Content) // res is an *mcp.CallToolResult
package content
