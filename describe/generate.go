package describe

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// GeneratorName is reported in Metadata.Generator by the standalone generator.
const GeneratorName = "spine-describe/1"

// Generator writes self-descriptions in standalone mode: pure composition,
// no I/O, the same bytes for the same Config. The zero value is ready to use.
type Generator struct {
	// Budgets are used for the fields a Config's Budgets leave zero; zero
	// fields here fall back to DefaultBudgets.
	Budgets Budgets
}

// Generate writes the four layers for cfg. It fails only on a Config that
// can't be described (see ErrInvalidConfig).
func (g *Generator) Generate(cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	var defaults Budgets
	if g != nil {
		defaults = g.Budgets
	}
	budgets := cfg.Budgets.orDefaults(defaults, DefaultBudgets)
	hash := sourceHash(cfg)
	m := newModel(cfg, budgets, hash)

	// Each layer condenses on its own; the notes are reported in layer order.
	var c0, c1, c2, c3 condensed
	prompts := m.promptDefs(&c2) // L0 and L3 name the prompts, so they come first
	schema, err := m.schema(&c1)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Server:       cfg.Server,
		Instructions: m.instructions(prompts, &c0),
		Schema:       schema,
		Prompts:      prompts,
		Docs:         m.docs(prompts, &c3),
		Source:       cfg,
		Metadata: Metadata{
			Mode:       ModeStandalone,
			Generator:  GeneratorName,
			Budgets:    budgets,
			SourceHash: hash,
		},
	}
	for _, c := range []*condensed{&m.in.notes, &c0, &c1, &c2, &c3} {
		r.Metadata.Condensed = append(r.Metadata.Condensed, c.list()...)
	}
	r.Metadata.Tokens = measure(r)
	return r, nil
}

// sourceHash is cfg.SourceHash, or a hash of cfg when it has none.
func sourceHash(cfg Config) string {
	if cfg.SourceHash != "" {
		return cfg.SourceHash
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// measure estimates the tokens of each layer, and of the largest unit each
// per-unit budget applies to.
func measure(r Result) map[string]int {
	t := map[string]int{
		"l0": estimateTokens(r.Instructions),
		"l1": estimateTokens(r.Schema.Markdown),
	}
	for _, s := range toolSections(r.Schema.Markdown) {
		t["l1_max_tool"] = max(t["l1_max_tool"], estimateTokens(s))
	}
	for _, p := range r.Prompts {
		n := estimateTokens(p.Text)
		t["l2"] += n
		t["l2_max_prompt"] = max(t["l2_max_prompt"], n)
	}
	for _, d := range []string{r.Docs.README, r.Docs.Skill, r.Docs.MCPInfo} {
		n := estimateTokens(d)
		t["l3"] += n
		t["l3_max_doc"] = max(t["l3_max_doc"], n)
	}
	return t
}

// toolSections splits the L1 markdown at its level-2 headings, one section
// per tool, each measured the way the generator budgeted it.
func toolSections(md string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.TrimSpace(strings.Join(cur, "\n"))+"\n")
		}
	}
	fence := ""
	inTool := false
	for _, line := range strings.Split(md, "\n") {
		if f := fenceOf(strings.TrimLeft(line, " ")); f != "" {
			switch {
			case fence == "":
				fence = f
			case strings.HasPrefix(strings.TrimLeft(line, " "), fence):
				fence = ""
			}
		}
		if fence == "" && strings.HasPrefix(line, "## ") {
			flush()
			cur, inTool = nil, true
		}
		if inTool {
			cur = append(cur, line)
		}
	}
	flush()
	return out
}
