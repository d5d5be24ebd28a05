package describe

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The bounds of the files WriteDir writes, as doc.go states them.
const (
	markdownFileBound = 1 << 20 // each .md file
	jsonFileBound     = 4 << 20 // schema.json, prompts.json
	// oneTextBound is what a single huge text may make of a file with the
	// default budgets: a few of its layer's budgets, far below the file bounds.
	oneTextBound = 64 << 10
)

const eightMB = 8 << 20

// writtenFiles writes r and returns each file's contents by name.
func writtenFiles(t *testing.T, r Result) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, r.Server, name))
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(data) {
			t.Errorf("%s is not valid UTF-8", name)
		}
		out[name] = string(data)
	}
	return out
}

func checkFileBounds(t *testing.T, got map[string]string, markdown, jsonBound int) {
	t.Helper()
	for name, text := range got {
		bound := markdown
		if strings.HasSuffix(name, ".json") {
			bound = jsonBound
			if !json.Valid([]byte(text)) {
				t.Errorf("%s is not valid JSON", name)
			}
		}
		if len(text) > bound {
			t.Errorf("%s: %d bytes, over the bound of %d", name, len(text), bound)
		}
	}
}

func TestHugeTextIsCut(t *testing.T) {
	words := strings.Repeat("word ", eightMB/5)             // one sentence of 8 MB
	sentences := strings.Repeat("A sentence. ", eightMB/12) // many short ones
	wide := strings.Repeat("é", eightMB/2)                  // 8 MB of two-byte runes
	bigSchema := func() json.RawMessage {
		props := map[string]any{}
		for i := range 20000 {
			props[fmt.Sprintf("p%05d", i)] = map[string]any{"type": "string", "description": strings.Repeat("x", 400)}
		}
		data, _ := json.Marshal(map[string]any{"type": "object", "properties": props})
		return data
	}()
	cases := []struct {
		name   string
		mutate func(*Config)
		// where the marker must show: a file name, and a JSON path or "".
		marked []string
	}{
		{"tool description, one sentence", func(c *Config) { c.Tools[0].Description = words }, []string{"schema.md", "schema.json"}},
		{"tool description, many sentences", func(c *Config) { c.Tools[0].Description = sentences }, []string{"schema.json"}},
		{"tool description, wide runes", func(c *Config) { c.Tools[0].Description = wide }, []string{"schema.md", "schema.json"}},
		{"instructions", func(c *Config) { c.Instructions = words }, []string{"instructions.md"}},
		{"server description", func(c *Config) { c.Description = words }, []string{"instructions.md", "README.md"}},
		{"server title", func(c *Config) { c.Title = words }, []string{"instructions.md", "README.md", "SKILL.md", "MCP_INFO.md"}},
		{"tool name", func(c *Config) { c.Tools[0].Name = words }, []string{"schema.md", "schema.json"}},
		{"tool title", func(c *Config) { c.Tools[0].Title = words }, []string{"schema.md", "schema.json"}},
		{"resource description", func(c *Config) { c.Resources[0].Description = words }, nil},
		{"parameter description", func(c *Config) {
			c.Tools[0].InputSchema = json.RawMessage(`{"type":"object","properties":{"p":{"type":"string","description":"` + words + `"}}}`)
		}, []string{"schema.md", "schema.json"}},
		{"parameter description in a schema small enough to read", func(c *Config) {
			c.Tools[0].InputSchema = json.RawMessage(`{"type":"object","properties":{"p":{"type":"string","description":"` + words[:512<<10] + `"}}}`)
		}, []string{"schema.md"}},
		{"input schema", func(c *Config) { c.Tools[0].InputSchema = bigSchema }, []string{"schema.md", "schema.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := demoConfig()
			c.mutate(&cfg)
			r := generate(t, cfg)
			got := writtenFiles(t, r)
			checkFileBounds(t, got, oneTextBound, oneTextBound+64<<10) // the demo's own schemas and prompts take some room
			for _, name := range c.marked {
				if !strings.Contains(got[name], "… (truncated)") && !strings.Contains(got[name], "left out") {
					t.Errorf("%s does not say that it cut the text:\n%.2000s", name, got[name])
				}
			}
			if !strings.Contains(strings.Join(r.Metadata.Condensed, "\n"), "cut to") &&
				!strings.Contains(strings.Join(r.Metadata.Condensed, "\n"), "left out") {
				t.Errorf("Condensed does not report the cut: %q", r.Metadata.Condensed)
			}
			checkMarkdown(t, "schema.md", r.Schema.Markdown, 0, true)
			checkFrontMatter(t, r.Docs.Skill)
		})
	}
}

func TestManyToolsStayWithinFileBounds(t *testing.T) {
	// A server that lists more tools, with longer texts and larger schemas,
	// than any file may hold; once with the default budgets, once with
	// budgets so large that only the file bounds hold.
	flood := func(desc string) Config {
		cfg := Config{Server: "flood", Title: "Flood"}
		props := map[string]any{}
		for j := range 2 {
			props[fmt.Sprintf("field_%02d", j)] = map[string]any{"type": "string", "description": strings.Repeat("A field. ", 20)}
		}
		schema, _ := json.Marshal(map[string]any{"type": "object", "properties": props, "required": []string{"field_00"}})
		for i := range 1100 {
			cfg.Tools = append(cfg.Tools, Tool{
				Name:        fmt.Sprintf("get_item_%04d_%s", i, strings.Repeat("n", 200)),
				Description: desc,
				InputSchema: schema,
			})
			cfg.Resources = append(cfg.Resources, Resource{URI: fmt.Sprintf("flood://r/%04d", i), Description: desc})
		}
		return cfg
	}
	huge := Budgets{L0: 1 << 30, L1: 1 << 30, L2: 1 << 30, L3: 1 << 30}
	cases := []struct {
		name    string
		budgets Budgets
		desc    string
		notes   []string
	}{
		{"default budgets", Budgets{}, "Gets one more item.",
			[]string{"resources left out", "tools left out"}},
		{"huge budgets", huge, strings.Repeat("does one more thing without end ", 125),
			[]string{"resources left out", "tools left out", "left out of schema.md", "listed by name only in schema.json",
				"prompts left out", "l0: cut at the file bound of 1 MiB", "l3 README.md: cut at the file bound"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := flood(c.desc)
			cfg.Budgets = c.budgets
			r := generate(t, cfg)
			got := writtenFiles(t, r)
			checkFileBounds(t, got, markdownFileBound, jsonFileBound)
			joined := strings.Join(r.Metadata.Condensed, "\n")
			for _, want := range c.notes {
				if !strings.Contains(joined, want) {
					t.Errorf("Condensed lacks %q:\n%s", want, joined)
				}
			}
			var schemaFile struct {
				Tools []ToolSchema `json:"tools"`
			}
			if err := json.Unmarshal([]byte(got["schema.json"]), &schemaFile); err != nil {
				t.Fatal(err)
			}
			if len(schemaFile.Tools) != 1000 {
				t.Errorf("schema.json lists %d tools, want the 1000 described", len(schemaFile.Tools))
			}
			if !strings.Contains(r.Instructions, "1100 tools") {
				t.Errorf("the description does not say how many tools the server has:\n%.1000s", r.Instructions)
			}
			// Where a file was cut, it says so on its last line.
			for name, text := range got {
				if len(text) > markdownFileBound-4096 && strings.HasSuffix(name, ".md") &&
					!(strings.Contains(text[len(text)-300:], "… (truncated)") && strings.Contains(text[len(text)-300:], "stops at its bound of 1 MiB")) {
					t.Errorf("%s was cut without saying so: %q", name, text[len(text)-200:])
				}
			}
		})
	}
}
