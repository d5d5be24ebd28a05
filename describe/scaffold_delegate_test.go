package describe

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestDelegateScaffoldToBuilder(t *testing.T) {
	caller := connectBuilder(t)
	r := generate(t, demoConfig())
	opts := ScaffoldOptions{Upstream: demoUpstream}
	s, err := DelegateScaffold(context.Background(), caller, caller.server, BuilderTool, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.FallbackReason != "" || s.Generator != ScaffoldGenerator+" (builder)" {
		t.Fatalf("fallback %q, generator %q: want the builder's scaffold", s.FallbackReason, s.Generator)
	}
	// The shipped builder writes what standalone writes, but for the
	// generator it reports.
	want := scaffold(t, demoConfig(), opts)
	for i, f := range want.Files {
		if s.Files[i] != f {
			t.Errorf("%s differs from the standalone scaffold", f.Path)
		}
	}
}

// builderScaffold is the shipped builder's answer for the demo server, with
// mutate applied to its Result and files.
func builderScaffold(t *testing.T, mutate func(*Result, *Scaffold)) *mcp.CallToolResult {
	t.Helper()
	r := generate(t, demoConfig())
	r.Metadata.Mode = ModeDelegated
	s, err := NewScaffold(r, ScaffoldOptions{Upstream: demoUpstream})
	if err != nil {
		t.Fatal(err)
	}
	mutate(&r, &s)
	data, err := json.Marshal(builderAnswer{Result: r, Scaffold: &s})
	if err != nil {
		t.Fatal(err)
	}
	return &mcp.CallToolResult{StructuredContent: json.RawMessage(data)}
}

// setFile replaces (or adds) the file at path.
func setFile(s *Scaffold, path, content string) {
	for i := range s.Files {
		if s.Files[i].Path == path {
			s.Files[i].Content = content
			return
		}
	}
	s.Files = append(s.Files, File{Path: path, Content: content})
}

func TestDelegateScaffoldFallsBack(t *testing.T) {
	cases := []struct {
		name   string
		caller ToolCaller
		reason string
	}{
		{"nil caller", nil, "needs a tool caller"},
		{"timeout", &fakeCaller{block: true}, "timed out"},
		{"no scaffold", &fakeCaller{res: &mcp.CallToolResult{StructuredContent: json.RawMessage(resultJSON(t, func(*Result) {}))}}, "no scaffold"},
		{"incomplete layers", &fakeCaller{res: builderScaffold(t, func(r *Result, _ *Scaffold) { r.Docs.Skill = "no front matter" })}, "SKILL.md"},
		{"L0 over budget", &fakeCaller{res: builderScaffold(t, func(r *Result, _ *Scaffold) {
			r.Instructions += strings.Repeat("More words that nobody asked for. ", 400)
		})}, "L0 is"},
		{"bidi in L0", &fakeCaller{res: builderScaffold(t, func(r *Result, _ *Scaffold) { r.Instructions += "\u202eevil\n" })}, "bidirectional"},
		{"HTML in a doc", &fakeCaller{res: builderScaffold(t, func(r *Result, _ *Scaffold) { r.Docs.MCPInfo += "\n<script>alert(1)</script>\n" })}, "raw HTML"},
		{"another upstream", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) {
			c, _ := s.File("description/server.json")
			setFile(s, "description/server.json", strings.Replace(c, `"command": "spine"`, `"command": "sh"`, 1))
		})}, "description/server.json differs"},
		{"layer not the result's", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) {
			setFile(s, "description/instructions.md", "# Something else\n")
		})}, "description/instructions.md differs"},
		{"another dependency", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) {
			c, _ := s.File("go.mod")
			setFile(s, "go.mod", c+"require example.com/x v1.0.0\n")
		})}, "go.mod differs"},
		{"foreign import", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) {
			setFile(s, "main.go", "package main\n\nimport _ \"example.com/x\"\n\nfunc main() {}\n")
		})}, `imports "example.com/x"`},
		{"not Go", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) { setFile(s, "server.go", "package main\nfunc {") })}, "server.go"},
		{"extra file", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) { setFile(s, "install.sh", "rm -rf /") })}, "files, want"},
		{"escaping path", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) { s.Files[0].Path = "../../etc/x" })}, "can't be written"},
		{"HTML in the README", &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) {
			c, _ := s.File("README.md")
			setFile(s, "README.md", c+"<img src=x onerror=alert(1)>\n")
		})}, "README.md line"},
	}
	r := generate(t, demoConfig())
	opts := ScaffoldOptions{Upstream: demoUpstream}
	standalone := scaffold(t, demoConfig(), opts)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			s, err := DelegateScaffold(ctx, c.caller, "builder", "describe", r, opts)
			if err != nil {
				t.Fatalf("err = %v, want a fallback", err)
			}
			if !strings.Contains(s.FallbackReason, c.reason) {
				t.Errorf("fallback reason %q, want it to mention %q", s.FallbackReason, c.reason)
			}
			s.FallbackReason = ""
			if len(s.Files) != len(standalone.Files) || s.Generator != ScaffoldGenerator {
				t.Fatal("the fallback is not the standalone scaffold")
			}
			for i := range s.Files {
				if s.Files[i] != standalone.Files[i] {
					t.Errorf("%s: the fallback is not the standalone scaffold", s.Files[i].Path)
				}
			}
		})
	}
}

// The builder may write its own code and README, within the rules.
func TestDelegateScaffoldKeepsBuilderCode(t *testing.T) {
	own := "// A builder's own main.\npackage main\n\nimport \"github.com/modelcontextprotocol/go-sdk/mcp\"\n\nfunc main() { _ = mcp.NewServer }\n"
	f := &fakeCaller{res: builderScaffold(t, func(_ *Result, s *Scaffold) {
		setFile(s, "main.go", own)
		setFile(s, "README.md", "# The builder's README\n")
	})}
	s, err := DelegateScaffold(context.Background(), f, "builder", "describe", generate(t, demoConfig()), ScaffoldOptions{Upstream: demoUpstream})
	if err != nil || s.FallbackReason != "" {
		t.Fatalf("err %v, fallback %q", err, s.FallbackReason)
	}
	if got, _ := s.File("main.go"); got != own {
		t.Error("the builder's main.go was not kept")
	}
	if _, ok := f.args["scaffold"].(map[string]any); !ok {
		t.Errorf("the builder got no scaffold options: %#v", f.args)
	}
}

// Whatever a server says, SPINE's own output passes the checks a builder's
// must pass.
func TestStandalonePassesScaffoldChecks(t *testing.T) {
	cfgs := []Config{demoConfig(), verboseConfig(30), {Server: "empty"}}
	for _, c := range hostileCases() {
		cfg := demoConfig()
		c.mutate(&cfg)
		cfgs = append(cfgs, cfg)
	}
	for _, cfg := range cfgs {
		r := generate(t, cfg)
		if err := checkResultEscaped(r); err != nil {
			t.Errorf("%s: %v", cfg.Server, err)
		}
		if err := checkBudgets(r, cfg); err != nil {
			t.Errorf("%s: %v", cfg.Server, err)
		}
		opts := ScaffoldOptions{Upstream: Upstream{URL: "http://127.0.0.1:1/mcp"}}
		s, err := NewScaffold(r, opts)
		if err != nil {
			t.Errorf("%s: NewScaffold: %v", cfg.Server, err)
			continue
		}
		if _, err := checkScaffold(r, s, opts); err != nil {
			t.Errorf("%s: %v", cfg.Server, err)
		}
	}
}
