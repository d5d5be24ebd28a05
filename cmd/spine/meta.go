package main

import (
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// The _meta fields of MCP results and list items are protocol metadata (progress tokens,
// vendor extensions), not results: text output never shows them, and --output json leaves
// them out unless --meta is given. The functions below return copies without them and never
// change what they are given (tool lists are shared with the executor's cache).

func resultWithoutMeta(r *mcp.CallToolResult) *mcp.CallToolResult {
	if r == nil {
		return nil
	}
	c := *r
	c.Meta = nil
	c.Content = contentWithoutMeta(r.Content)
	return &c
}

func contentWithoutMeta(content []mcp.Content) []mcp.Content {
	if content == nil {
		return nil
	}
	out := make([]mcp.Content, len(content))
	for i, item := range content {
		out[i] = itemWithoutMeta(item)
	}
	return out
}

func itemWithoutMeta(item mcp.Content) mcp.Content {
	switch x := item.(type) {
	case *mcp.TextContent:
		c := *x
		c.Meta = nil
		return &c
	case *mcp.ImageContent:
		c := *x
		c.Meta = nil
		return &c
	case *mcp.AudioContent:
		c := *x
		c.Meta = nil
		return &c
	case *mcp.ResourceLink:
		c := *x
		c.Meta = nil
		return &c
	case *mcp.EmbeddedResource:
		c := *x
		c.Meta = nil
		c.Resource = resourceContentsWithoutMeta(x.Resource)
		return &c
	}
	return item
}

func resourceContentsWithoutMeta(r *mcp.ResourceContents) *mcp.ResourceContents {
	if r == nil {
		return nil
	}
	c := *r
	c.Meta = nil
	return &c
}

// listingWithoutMeta returns l with copies of its items that have no _meta.
func listingWithoutMeta(l listing) listing {
	out := listing{Error: l.Error}
	for _, t := range l.Tools {
		c := *t
		c.Meta = nil
		out.Tools = append(out.Tools, &c)
	}
	for _, r := range l.Resources {
		c := *r
		c.Meta = nil
		out.Resources = append(out.Resources, &c)
	}
	for _, r := range l.ResourceTemplates {
		c := *r
		c.Meta = nil
		out.ResourceTemplates = append(out.ResourceTemplates, &c)
	}
	for _, p := range l.Prompts {
		c := *p
		c.Meta = nil
		out.Prompts = append(out.Prompts, &c)
	}
	return out
}

// reportWithoutMeta returns a copy of a workflow run's report whose step results have no
// _meta.
func reportWithoutMeta(r *executor.RunReport) *executor.RunReport {
	c := *r
	c.Steps = make([]executor.StepReport, len(r.Steps))
	for i, s := range r.Steps {
		switch res := s.Result.(type) {
		case *mcp.CallToolResult:
			s.Result = resultWithoutMeta(res)
		case *mcp.ReadResourceResult:
			if res != nil {
				rc := *res
				rc.Meta = nil
				rc.Contents = nil
				for _, x := range res.Contents {
					rc.Contents = append(rc.Contents, resourceContentsWithoutMeta(x))
				}
				s.Result = &rc
			}
		case *mcp.GetPromptResult:
			if res != nil {
				pc := *res
				pc.Meta = nil
				pc.Messages = nil
				for _, m := range res.Messages {
					if m != nil {
						mc := *m
						mc.Content = itemWithoutMeta(m.Content)
						m = &mc
					}
					pc.Messages = append(pc.Messages, m)
				}
				s.Result = &pc
			}
		}
		c.Steps[i] = s
	}
	return &c
}
