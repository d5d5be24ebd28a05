package describe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/content"
)

// ToolCaller calls a tool of a server. The executor satisfies it; describe
// needs nothing else from the runtime.
type ToolCaller interface {
	CallTool(ctx context.Context, server, tool string, args map[string]any) (*mcp.CallToolResult, error)
}

// DelegateTimeout bounds a builder call when ctx has no earlier deadline.
const DelegateTimeout = 60 * time.Second

// Delegate asks a builder (tool of server) to describe cfg: it calls the
// tool with {"config": cfg} and expects a Result as structured content, or
// as JSON text. The answer must be for cfg.Server and complete: L0, L1 with
// every tool of cfg, well-formed L2 prompts, L3 documents with a valid
// SKILL.md front matter.
//
// Whatever goes wrong with the builder (no caller, a call error or timeout,
// an isError result, an answer that isn't a valid Result), Delegate returns
// the standalone Result with Metadata.FallbackReason saying why, and a nil
// error. It returns an error only for a Config that can't be described at
// all. On success Metadata.Mode is ModeDelegated, and the token estimates,
// budgets and source hash are SPINE's own.
func Delegate(ctx context.Context, caller ToolCaller, server, tool string, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	r, reason := delegate(ctx, caller, server, tool, cfg)
	if reason == "" {
		return r, nil
	}
	var g Generator
	fallback, err := g.Generate(cfg)
	if err != nil {
		return Result{}, err
	}
	fallback.Metadata.FallbackReason = reason
	return fallback, nil
}

// delegate runs the builder and returns its checked Result, or why it
// could not be used.
func delegate(ctx context.Context, caller ToolCaller, server, tool string, cfg Config) (Result, string) {
	if caller == nil {
		return Result{}, "no builder: delegated mode needs a tool caller"
	}
	if server == "" || tool == "" {
		return Result{}, "no builder: the builder server and tool must be named"
	}
	builder := fmt.Sprintf("builder %q tool %q", server, tool)
	args, err := configArgs(cfg)
	if err != nil {
		return Result{}, builder + ": can't encode the config: " + err.Error()
	}
	var r Result
	if reason := callBuilder(ctx, caller, server, tool, args, &r); reason != "" {
		return Result{}, builder + ": " + reason
	}
	if err := checkResult(r, cfg); err != nil {
		return Result{}, builder + ": invalid answer: " + err.Error()
	}
	r.Metadata.Mode = ModeDelegated
	r.Metadata.FallbackReason = ""
	r.Metadata.Generator = cmpOrStr(r.Metadata.Generator, server+"/"+tool)
	r.Metadata.Budgets = cfg.Budgets.orDefaults(DefaultBudgets)
	r.Metadata.SourceHash = sourceHash(cfg)
	r.Metadata.Tokens = measure(r)
	r.Source = cfg
	return r, ""
}

// callBuilder calls the builder tool with args and decodes its answer into
// answer, from the structured content or else the text. It returns why
// that failed, or "".
func callBuilder(ctx context.Context, caller ToolCaller, server, tool string, args map[string]any, answer any) string {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	res, err := caller.CallTool(ctx, server, tool, args)
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + err.Error()
	case err != nil:
		return "call failed: " + err.Error()
	case res == nil:
		return "no result"
	case res.IsError:
		return "reported an error: " + clip(textOf(res), 300)
	}
	if err := decodeAnswer(res, answer); err != nil {
		return err.Error()
	}
	return ""
}

// configArgs makes the builder's arguments plain data (maps, slices,
// strings, numbers), so that they can cross any boundary the caller uses.
func configArgs(cfg Config) (map[string]any, error) {
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	var plain map[string]any
	if err := json.Unmarshal(data, &plain); err != nil {
		return nil, err
	}
	return map[string]any{"config": plain}, nil
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= DelegateTimeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DelegateTimeout)
}

// decodeAnswer reads the builder's answer into v from the structured
// content, or else from the text content.
func decodeAnswer(res *mcp.CallToolResult, v any) error {
	var data []byte
	if res.StructuredContent != nil {
		var err error
		if data, err = json.Marshal(res.StructuredContent); err != nil {
			return fmt.Errorf("structured content: %v", err)
		}
	} else {
		text := strings.TrimSpace(textOf(res))
		if text == "" {
			return errors.New("empty answer: no structured content and no text")
		}
		data = []byte(text)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("answer is not a description result: %v", err)
	}
	return nil
}

// textOf is the text of the builder's answer.
func textOf(res *mcp.CallToolResult) string { return content.Text(res.Content) }

// clip shortens s for a message.
func clip(s string, n int) string {
	s = collapse(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// checkResult reports the first reason r can't stand for cfg.
func checkResult(r Result, cfg Config) error {
	if r.Server != cfg.Server {
		return fmt.Errorf("it describes server %q, not %q", r.Server, cfg.Server)
	}
	if strings.TrimSpace(r.Instructions) == "" {
		return errors.New("no instructions (L0)")
	}
	if strings.TrimSpace(r.Schema.Markdown) == "" {
		return errors.New("no parameter reference (L1 markdown)")
	}
	if want := cfg.Server + "://schema"; r.Schema.URI != want {
		return fmt.Errorf("schema URI %q, want %q", r.Schema.URI, want)
	}
	have := make(map[string]bool, len(r.Schema.Tools))
	for _, t := range r.Schema.Tools {
		have[t.Name] = true
	}
	for _, t := range cfg.Tools {
		// The standalone generator shows a name cleaned and cut (see input).
		if !have[t.Name] && !have[boundName(t.Name)] {
			return fmt.Errorf("tool %q missing from the parameter reference (L1)", t.Name)
		}
	}
	if err := checkPrompts(r.Prompts); err != nil {
		return err
	}
	for _, d := range []struct{ name, text string }{
		{"README.md", r.Docs.README}, {"SKILL.md", r.Docs.Skill}, {"MCP_INFO.md", r.Docs.MCPInfo},
	} {
		if strings.TrimSpace(d.text) == "" {
			return fmt.Errorf("no %s (L3)", d.name)
		}
	}
	if _, err := parseSkillFrontMatter(r.Docs.Skill); err != nil {
		return fmt.Errorf("SKILL.md: %v", err)
	}
	return checkBounds(r)
}

// checkBounds reports the first file of r over the bound standalone output
// keeps (see limits.go).
func checkBounds(r Result) error {
	for _, d := range []struct{ name, text string }{
		{"instructions.md", r.Instructions}, {"schema.md", r.Schema.Markdown},
		{"README.md", r.Docs.README}, {"SKILL.md", r.Docs.Skill}, {"MCP_INFO.md", r.Docs.MCPInfo},
	} {
		if len(d.text) > maxMarkdownBytes {
			return fmt.Errorf("%s is %d bytes, over its bound of %s", d.name, len(d.text), sizeName(maxMarkdownBytes))
		}
	}
	schema := struct {
		URI   string       `json:"uri"`
		Tools []ToolSchema `json:"tools"`
	}{r.Schema.URI, r.Schema.Tools}
	for _, f := range []struct {
		name string
		v    any
	}{{"schema.json", schema}, {"prompts.json", r.Prompts}} {
		if n := jsonSize(f.v, 0); n > maxJSONBytes {
			return fmt.Errorf("%s would be %d bytes, over its bound of %s", f.name, n, sizeName(maxJSONBytes))
		}
	}
	return nil
}

// checkPrompts reports the first malformed prompt: a prompt needs a unique
// name and a text; its arguments need unique names.
func checkPrompts(prompts []PromptDef) error {
	names := map[string]bool{}
	for i, p := range prompts {
		if p.Name == "" {
			return fmt.Errorf("prompt #%d has no name (L2)", i+1)
		}
		if names[p.Name] {
			return fmt.Errorf("prompt %q is listed twice (L2)", p.Name)
		}
		names[p.Name] = true
		if strings.TrimSpace(p.Text) == "" {
			return fmt.Errorf("prompt %q has no text (L2)", p.Name)
		}
		args := map[string]bool{}
		for j, a := range p.Arguments {
			if a.Name == "" {
				return fmt.Errorf("prompt %q: argument #%d has no name (L2)", p.Name, j+1)
			}
			if args[a.Name] {
				return fmt.Errorf("prompt %q: argument %q is listed twice (L2)", p.Name, a.Name)
			}
			args[a.Name] = true
		}
	}
	return nil
}

// skillFront is the YAML front matter of a SKILL.md.
type skillFront struct {
	Name        string
	Description string
}

// parseSkillFrontMatter reads the front matter SKILL.md must start with:
// "---", a name and a description, "---". It understands the one-line
// "key: value" form (plain or quoted) that skill loaders require.
func parseSkillFrontMatter(doc string) (skillFront, error) {
	var fm skillFront
	rest, ok := strings.CutPrefix(doc, "---\n")
	if !ok {
		return fm, errors.New(`does not start with "---"`)
	}
	block, _, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return fm, errors.New(`front matter is not closed with "---"`)
	}
	for _, line := range strings.Split(block, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return fm, fmt.Errorf("front matter line %q is not key: value", line)
		}
		val = strings.TrimSpace(val)
		if strings.HasPrefix(val, `"`) {
			if err := json.Unmarshal([]byte(val), &val); err != nil {
				return fm, fmt.Errorf("front matter %s: bad quoted string: %v", key, err)
			}
		}
		switch strings.TrimSpace(key) {
		case "name":
			fm.Name = val
		case "description":
			fm.Description = val
		}
	}
	switch {
	case fm.Name == "":
		return fm, errors.New("front matter has no name")
	case fm.Description == "":
		return fm, errors.New("front matter has no description")
	}
	return fm, nil
}
