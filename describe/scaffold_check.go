package describe

import (
	"fmt"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// maxScaffoldCodeBytes bounds one Go file of a builder's scaffold: the
// shipped ones are a few KiB each.
const maxScaffoldCodeBytes = 1 << 20

// checkScaffold checks a builder's scaffold bs, made with its Result br
// (whose Source is the config sent), and returns the scaffold to write.
// The builder may write its own Go code and README; everything the code
// trusts (which upstream to run, the module's dependencies, the layers it
// serves) must be exactly what SPINE writes for br.
func checkScaffold(br Result, bs Scaffold, opts ScaffoldOptions) (Scaffold, error) {
	cfg := br.Source
	if err := checkResult(br, cfg); err != nil {
		return Scaffold{}, err
	}
	if err := checkBudgets(br, cfg); err != nil {
		return Scaffold{}, err
	}
	if err := checkResultEscaped(br); err != nil {
		return Scaffold{}, err
	}
	want, err := NewScaffold(br, opts)
	if err != nil {
		return Scaffold{}, err
	}
	if err := checkScaffoldFiles(bs.Files); err != nil {
		return Scaffold{}, err
	}
	if len(bs.Files) != len(want.Files) {
		return Scaffold{}, fmt.Errorf("scaffold has %d files, want %d", len(bs.Files), len(want.Files))
	}
	for _, w := range want.Files {
		got, ok := bs.File(w.Path)
		if !ok {
			return Scaffold{}, fmt.Errorf("scaffold has no %s", w.Path)
		}
		switch {
		case strings.HasSuffix(w.Path, ".go"):
			err = checkGoFile(w.Path, got)
		case w.Path == "README.md":
			err = checkEscaped(w.Path, got)
			if err == nil && len(got) > maxMarkdownBytes {
				err = fmt.Errorf("%s is %d bytes, over its bound of %s", w.Path, len(got), sizeName(maxMarkdownBytes))
			}
		case got != w.Content:
			// go.mod, go.sum and description/: what the code trusts.
			err = fmt.Errorf("%s differs from what SPINE writes for the builder's description", w.Path)
		}
		if err != nil {
			return Scaffold{}, err
		}
	}
	out := want
	out.Files = make([]File, len(want.Files))
	for i, w := range want.Files {
		out.Files[i].Path = w.Path
		out.Files[i].Content, _ = bs.File(w.Path)
	}
	out.Generator = bs.Generator
	return out, nil
}

// checkBudgets reports a layer of r over its budget where the standalone
// description of cfg is not: the builder must condense at least as well.
func checkBudgets(r Result, cfg Config) error {
	var g Generator
	ref, err := g.Generate(cfg)
	if err != nil {
		return err
	}
	b := cfg.Budgets.orDefaults(DefaultBudgets)
	got, std := measure(r), ref.Metadata.Tokens
	for _, l := range []struct {
		key, what string
		budget    int
	}{
		{"l0", "L0", b.L0}, {"l1_max_tool", "a tool's L1 section", b.L1},
		{"l2_max_prompt", "an L2 prompt", b.L2}, {"l3_max_doc", "an L3 document", b.L3},
	} {
		if n := got[l.key]; n > max(l.budget, std[l.key]) {
			return fmt.Errorf("%s is %d tokens, over its budget of %d", l.what, n, l.budget)
		}
	}
	return nil
}

// checkResultEscaped checks every markdown text of r with checkEscaped.
func checkResultEscaped(r Result) error {
	texts := []struct{ name, text string }{
		{"instructions.md", r.Instructions}, {"schema.md", r.Schema.Markdown},
		{"README.md", r.Docs.README}, {"SKILL.md", r.Docs.Skill}, {"MCP_INFO.md", r.Docs.MCPInfo},
	}
	for _, p := range r.Prompts {
		texts = append(texts, struct{ name, text string }{"prompt " + strconv.Quote(p.Name), p.Text})
	}
	for _, t := range texts {
		if err := checkEscaped(t.name, t.text); err != nil {
			return err
		}
	}
	return nil
}

// checkEscaped reports text that SPINE's escaping (escape.go) never lets
// through: control or bidirectional characters, or a line outside a code
// block that opens raw HTML.
func checkEscaped(name, text string) error {
	if clean(text) != text {
		return fmt.Errorf("%s holds control or bidirectional characters", name)
	}
	fence := ""
	for i, line := range strings.Split(text, "\n") {
		l := strings.TrimLeft(line, " ")
		for strings.HasPrefix(l, ">") {
			l = strings.TrimLeft(strings.TrimPrefix(l, ">"), " ")
		}
		if f := fenceOf(l); f != "" {
			switch {
			case fence == "":
				fence = f
			case strings.HasPrefix(l, fence):
				fence = ""
			}
			continue
		}
		if fence == "" && len(l) > 1 && l[0] == '<' && (isASCIILetter(l[1]) || strings.ContainsRune("/!?", rune(l[1]))) {
			return fmt.Errorf("%s line %d opens raw HTML", name, i+1)
		}
	}
	return nil
}

// checkGoFile reports a Go file that does not parse as package main, or
// imports anything but the standard library and the SDK.
func checkGoFile(name, src string) error {
	if len(src) > maxScaffoldCodeBytes {
		return fmt.Errorf("%s is %d bytes, over its bound of %s", name, len(src), sizeName(maxScaffoldCodeBytes))
	}
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if f.Name.Name != "main" {
		return fmt.Errorf("%s: package %s, want main", name, f.Name.Name)
	}
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return fmt.Errorf("%s: import %s: %v", name, imp.Path.Value, err)
		}
		first, _, _ := strings.Cut(p, "/")
		if strings.Contains(first, ".") && p != SDKModule && !strings.HasPrefix(p, SDKModule+"/") {
			return fmt.Errorf("%s imports %q: a scaffold needs only the standard library and %s", name, p, SDKModule)
		}
		if p == "C" || p == "unsafe" {
			return fmt.Errorf("%s imports %q: a scaffold is plain Go", name, p)
		}
	}
	if _, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}
