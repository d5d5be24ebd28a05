package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spine-mcp/spine/capability"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func generate(t *testing.T, cfg Config) Result {
	t.Helper()
	var g Generator
	r, err := g.Generate(cfg)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return r
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./describe/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./describe/ -update and review the diff.\n%s",
			name, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line where want and got part.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"demo", demoConfig()},
		{"empty", Config{Server: "empty"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := generate(t, c.cfg)
			golden(t, c.name+".json.golden", mustJSON(t, r))
			golden(t, c.name+".md.golden", []byte(Markdown(r)))
		})
	}
}

func TestDeterministic(t *testing.T) {
	first := mustJSON(t, generate(t, demoConfig()))
	if again := mustJSON(t, generate(t, demoConfig())); !bytes.Equal(first, again) {
		t.Fatal("two runs over the same config differ")
	}

	// The same server listed in another order, with its schemas' keys in
	// another order, describes the same.
	shuffled := demoConfig()
	slices.Reverse(shuffled.Tools)
	slices.Reverse(shuffled.Capabilities)
	shuffled.Tools[0].InputSchema = json.RawMessage(`{ "properties": {}, "type": "object" }`)
	for i, tool := range shuffled.Tools {
		if tool.Name == "add" {
			shuffled.Tools[i].InputSchema = json.RawMessage(`{"type":"object","required":["a","b"],"properties":{"a":{"description":"The first addend.","type":"number"},"b":{"type":"number","description":"The second addend."}}}`)
		}
	}
	ordered := demoConfig()
	ordered.Tools[len(ordered.Tools)-1].InputSchema = json.RawMessage(`{"type":"object","properties":{}}`)
	slices.Reverse(ordered.Capabilities)
	if a, b := mustJSON(t, generate(t, shuffled)), mustJSON(t, generate(t, ordered)); !bytes.Equal(a, b) {
		t.Fatalf("order of tools or schema keys changed the output:\n%s", firstDiff(string(b), string(a)))
	}
}

func TestNoTimeInOutput(t *testing.T) {
	out := string(mustJSON(t, generate(t, demoConfig())))
	if year := time.Now().Format("2006"); strings.Contains(out, year+"-") {
		t.Errorf("output seems to carry a date (%s-…)", year)
	}
}

func TestBudgetCondensation(t *testing.T) {
	cfg := verboseConfig(60)
	r := generate(t, cfg)
	b := r.Metadata.Budgets
	if b != DefaultBudgets {
		t.Fatalf("budgets in force %+v, want the defaults %+v", b, DefaultBudgets)
	}

	// Within budget, by the metadata and by measuring again.
	tok := r.Metadata.Tokens
	if tok["l0"] > b.L0 || estimateTokens(r.Instructions) > b.L0 {
		t.Errorf("L0: %d tokens, budget %d", tok["l0"], b.L0)
	}
	sections := toolSections(r.Schema.Markdown)
	if len(sections) != 60 {
		t.Fatalf("L1 markdown has %d tool sections, want 60", len(sections))
	}
	for _, s := range sections {
		if n := estimateTokens(s); n > b.L1 {
			t.Errorf("L1 section %q: %d tokens, budget %d", strings.SplitN(s, "\n", 2)[0], n, b.L1)
		}
	}
	if tok["l1_max_tool"] > b.L1 {
		t.Errorf("L1: largest tool %d tokens, budget %d", tok["l1_max_tool"], b.L1)
	}
	for _, p := range r.Prompts {
		if n := estimateTokens(p.Text); n > b.L2 {
			t.Errorf("prompt %s: %d tokens, budget %d", p.Name, n, b.L2)
		}
	}
	for name, d := range map[string]string{"README.md": r.Docs.README, "SKILL.md": r.Docs.Skill, "MCP_INFO.md": r.Docs.MCPInfo} {
		if n := estimateTokens(d); n > b.L3 {
			t.Errorf("%s: %d tokens, budget %d", name, n, b.L3)
		}
	}

	// It says what it condensed, layer by layer, and never gave up.
	joined := strings.Join(r.Metadata.Condensed, "\n")
	for _, want := range []string{"l0: ", "l1: ", "l3 README.md: ", "l3 SKILL.md: ", "l3 MCP_INFO.md: "} {
		if !strings.Contains(joined, want) {
			t.Errorf("Condensed has nothing for %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "over budget") {
		t.Errorf("some text is still over budget:\n%s", joined)
	}

	// Condensed descriptions are whole sentences: the first sentence of the
	// original, "e.g." and "1.5" included, ending with a full stop.
	for i, tool := range cfg.Tools {
		first := firstSentence(tool.Description)
		if !strings.HasSuffix(first, "e.g. the CRM.") {
			t.Fatalf("first sentence of %s is %q", tool.Name, first)
		}
		if s := sections[slices.IndexFunc(sections, func(s string) bool { return strings.Contains(s, "`"+tool.Name+"`") })]; !strings.Contains(s, "\n"+first+"\n") &&
			!strings.Contains(s, "\n"+collapse(tool.Description)+"\n") {
			t.Errorf("tool %d: description is neither whole nor its first sentence:\n%s", i, s)
		}
	}
	for _, s := range sections {
		for _, cellText := range descriptionCells(s) {
			if cellText != "" && !hasTerminal(cellText) {
				t.Errorf("description cell %q does not end a sentence", cellText)
			}
			if cellText != "" && !strings.HasPrefix(cellText, "Field ") {
				t.Errorf("description cell %q lost the start of its sentence", cellText)
			}
		}
	}
	for _, text := range []string{r.Instructions, r.Docs.Skill, r.Docs.README} {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "- ") && !hasTerminal(line) {
				t.Errorf("list item %q does not end a sentence", line)
			}
		}
	}
}

// descriptionCells returns the last cell of each row of the parameter tables in md.
func descriptionCells(md string) []string {
	var out []string
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		out = append(out, strings.TrimSpace(cells[len(cells)-1]))
	}
	return out
}

func TestBudgetsFromConfigAndGenerator(t *testing.T) {
	cfg := demoConfig()
	cfg.Budgets = Budgets{L0: 300}
	g := Generator{Budgets: Budgets{L0: 2000, L3: 700}}
	r, err := g.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Budgets{L0: 300, L1: 512, L2: 1024, L3: 700}
	if r.Metadata.Budgets != want {
		t.Fatalf("budgets %+v, want %+v", r.Metadata.Budgets, want)
	}
	if n := estimateTokens(r.Instructions); n > 300 {
		t.Errorf("L0 %d tokens over its budget of 300", n)
	}
	if !strings.Contains(strings.Join(r.Metadata.Condensed, "\n"), "l0: triggers dropped") {
		t.Errorf("a tight L0 budget condensed nothing: %v", r.Metadata.Condensed)
	}
}

func TestPromptBudget(t *testing.T) {
	cfg := verboseConfig(60)
	cfg.Budgets = Budgets{L2: 250}
	r := generate(t, cfg)
	for _, p := range r.Prompts {
		if n := estimateTokens(p.Text); n > 250 {
			t.Errorf("prompt %s: %d tokens, budget 250", p.Name, n)
		}
	}
	joined := strings.Join(r.Metadata.Condensed, "\n")
	for _, want := range []string{"l2: steps shortened (prompts `typical_workflow`, `workflow_nightly_sync`)", "l2: argument descriptions dropped ("} {
		if !strings.Contains(joined, want) {
			t.Errorf("Condensed lacks %q:\n%s", want, joined)
		}
	}
	last := r.Prompts[len(r.Prompts)-1]
	if len(last.Steps) != 41 || !strings.Contains(last.Text, "… and 31 more steps (see `workflows/nightly.toml`).") {
		t.Errorf("workflow prompt: %d steps, text:\n%s", len(last.Steps), last.Text)
	}
}

func TestSkillFrontMatter(t *testing.T) {
	odd := demoConfig()
	odd.Server = "My Server/α: \"quoted\""
	odd.Description = "Says \"hi\": with a colon, a # hash and\na newline."
	for _, cfg := range []Config{demoConfig(), verboseConfig(60), odd, {Server: "x"}} {
		t.Run(cfg.Server, func(t *testing.T) {
			skill := generate(t, cfg).Docs.Skill
			if !strings.HasPrefix(skill, "---\n") {
				t.Fatalf("SKILL.md does not start with ---:\n%s", skill)
			}
			fm, err := parseSkillFrontMatter(skill)
			if err != nil {
				t.Fatalf("front matter: %v\n%s", err, skill)
			}
			block := strings.SplitN(skill, "\n---\n", 2)[0]
			if n := strings.Count(block, "\n"); n != 2 {
				t.Errorf("front matter has %d lines, want name and description only:\n%s", n, block)
			}
			if strings.Trim(fm.Name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || len(fm.Name) > 64 {
				t.Errorf("name %q: want lower-case letters, digits and hyphens, at most 64", fm.Name)
			}
			if len(fm.Description) > 1024 || strings.Contains(fm.Description, "\n") {
				t.Errorf("description: want one line of at most 1024 bytes, got %d bytes", len(fm.Description))
			}
		})
	}
	if fm, _ := parseSkillFrontMatter(generate(t, odd).Docs.Skill); fm.Name != "my-server-quoted" {
		t.Errorf("name %q, want my-server-quoted", fm.Name)
	}
}

func TestParseSkillFrontMatterRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"no opening":     "name: x\n---\n",
		"not closed":     "---\nname: x\ndescription: y\n",
		"no name":        "---\ndescription: y\n---\n",
		"no description": "---\nname: x\n---\n",
		"bad quoting":    "---\nname: x\ndescription: \"y\n---\n",
	} {
		if _, err := parseSkillFrontMatter(doc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestInvalidConfig(t *testing.T) {
	cases := map[string]func(*Config){
		"no server":       func(c *Config) { c.Server = "" },
		"nameless tool":   func(c *Config) { c.Tools[0].Name = "" },
		"duplicate tool":  func(c *Config) { c.Tools[1].Name = c.Tools[0].Name },
		"bad schema":      func(c *Config) { c.Tools[0].InputSchema = json.RawMessage(`{"type":`) },
		"nameless prompt": func(c *Config) { c.Prompts[0].Name = "" },
		"resource URI":    func(c *Config) { c.Resources[0].URI = "" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := demoConfig()
			mutate(&cfg)
			var g Generator
			if _, err := g.Generate(cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestPromptNamesAndRender(t *testing.T) {
	cfg := demoConfig()
	// A server prompt that takes the name a generated prompt would take.
	cfg.Prompts = append(cfg.Prompts, Prompt{Name: "use_echo"})
	r := generate(t, cfg)
	var names []string
	for _, p := range r.Prompts {
		names = append(names, p.Name)
	}
	want := []string{"typical_workflow", "use_add", "use_echo_2", "use_fail", "use_sleep", "workflow_triage"}
	if !slices.Equal(names, want) {
		t.Fatalf("prompts %v, want %v", names, want)
	}
	add := r.Prompts[1]
	text := add.Render(map[string]string{"a": "2", "b": "{{a}}"})
	if !strings.Contains(text, "a = 2, b = {{a}}") {
		t.Errorf("Render: placeholders not filled once each:\n%s", text)
	}
	if text := r.Prompts[3].Render(nil); !strings.Contains(text, "message = (not given)") {
		t.Errorf("Render: missing optional argument not marked:\n%s", text)
	}
	if err := checkPrompts(r.Prompts); err != nil {
		t.Fatal(err)
	}
}

func TestFromCapability(t *testing.T) {
	snap := &capability.Snapshot{
		Server:       "demo",
		Info:         &mcp.Implementation{Name: "demo-server", Title: "Demo", Version: "1.2.3", Description: "A demo."},
		Instructions: "Be nice.",
		Capabilities: &mcp.ServerCapabilities{
			Tools:     &mcp.ToolCapabilities{ListChanged: true},
			Resources: &mcp.ResourceCapabilities{Subscribe: true},
			Logging:   &mcp.LoggingCapabilities{},
		},
		Tools: []*mcp.Tool{
			{Name: "echo", Description: "Echoes.", InputSchema: map[string]any{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}}},
				Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: no()}},
			nil,
		},
		Resources:         []*mcp.Resource{{URI: "demo://readme", Name: "readme", MIMEType: "text/plain"}},
		ResourceTemplates: []*mcp.ResourceTemplate{{URITemplate: "demo://items/{id}", Name: "item"}},
		Prompts:           []*mcp.Prompt{{Name: "summarize", Arguments: []*mcp.PromptArgument{{Name: "topic", Required: true}}}},
	}
	cfg := FromCapability(snap)
	if cfg.Server != "demo" || cfg.Title != "Demo" || cfg.Version != "1.2.3" || cfg.Description != "A demo." || cfg.Instructions != "Be nice." {
		t.Errorf("identity: %+v", cfg)
	}
	if want := []string{"logging", "resources", "resources.subscribe", "tools", "tools.list_changed"}; !slices.Equal(cfg.Capabilities, want) {
		t.Errorf("capabilities %v, want %v", cfg.Capabilities, want)
	}
	if len(cfg.Tools) != 1 || string(cfg.Tools[0].InputSchema) != `{"properties":{"text":{"type":"string"}},"type":"object"}` {
		t.Errorf("tools: %+v", cfg.Tools)
	}
	if a := cfg.Tools[0].Annotations; a == nil || !a.ReadOnly || a.OpenWorld == nil || *a.OpenWorld || a.Destructive != nil {
		t.Errorf("annotations: %+v", a)
	}
	if len(cfg.Resources) != 1 || cfg.Resources[0].MIMEType != "text/plain" || len(cfg.ResourceTemplates) != 1 {
		t.Errorf("resources: %+v %+v", cfg.Resources, cfg.ResourceTemplates)
	}
	if len(cfg.Prompts) != 1 || !cfg.Prompts[0].Arguments[0].Required {
		t.Errorf("prompts: %+v", cfg.Prompts)
	}
	if cfg.SourceHash != snap.ComputeHash() {
		t.Errorf("source hash %q, want the snapshot's hash", cfg.SourceHash)
	}
	if r := generate(t, cfg); r.Metadata.SourceHash != snap.ComputeHash() {
		t.Errorf("metadata source hash %q, want the snapshot's hash", r.Metadata.SourceHash)
	}
}
