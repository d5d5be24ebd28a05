package workflows

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// flow builds a workflow file from steps written as "id: needs...; template".
func flow(steps ...string) []byte {
	var b strings.Builder
	for _, s := range steps {
		head, tmpl, _ := strings.Cut(s, ";")
		id, needs, _ := strings.Cut(head, ":")
		fmt.Fprintf(&b, "[[steps]]\nid = %q\nserver = \"s\"\ntool = \"t\"\n", strings.TrimSpace(id))
		if f := strings.Fields(needs); len(f) > 0 {
			fmt.Fprintf(&b, "needs = [\"%s\"]\n", strings.Join(f, `", "`))
		}
		if tmpl = strings.TrimSpace(tmpl); tmpl != "" {
			fmt.Fprintf(&b, "args = { x = %q }\n", tmpl)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func TestDeps(t *testing.T) {
	w, err := Parse("f.toml", flow(
		"a",
		"b",
		"c: b; {{ .steps.a.text }} {{ if .steps.b.is_error }}{{ .steps.a.json }}{{ end }}",
		"d; {{ with .steps.c.json }}{{ .items }}{{ end }} {{ printf \"%v\" (index .steps.b.json 0) }}",
		"e; {{ range $i, $x := .vars.list }}{{ $.steps.d.text }}{{ end }}",
	))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"a": nil, "b": nil, "c": {"a", "b"}, "d": {"b", "c"}, "e": {"d"}}
	for _, s := range w.Steps {
		if !reflect.DeepEqual(s.Deps, want[s.ID]) {
			t.Errorf("%s.Deps = %v, want %v", s.ID, s.Deps, want[s.ID])
		}
	}
}

func TestCycle(t *testing.T) {
	tests := []struct {
		steps []string
		step  string
		want  string
	}{
		{[]string{"a: b", "b: a"}, "a", "a -> b -> a"},
		{[]string{"x", "a; {{ .steps.c.text }}", "b: a", "c: b x"}, "a", "a -> c -> b -> a"},
		{[]string{"x", "y: z", "z; {{ .steps.w.text }}", "w: y"}, "y", "y -> z -> w -> y"},
	}
	for _, tt := range tests {
		_, err := Parse("f.toml", flow(tt.steps...))
		var e *Error
		if !errors.As(err, &e) || e.Step != tt.step || !strings.Contains(e.Msg, "dependency cycle: "+tt.want) {
			t.Errorf("%v: error %v; want a cycle %s at step %q", tt.steps, err, tt.want, tt.step)
		}
	}
}

func TestOrder(t *testing.T) {
	tests := []struct {
		steps []string
		want  string
	}{
		{[]string{"a", "b", "c"}, "a b c"},
		{[]string{"a: c", "b", "c"}, "b c a"},
		{[]string{"d: b", "c: a", "b", "a"}, "b d a c"},
		{[]string{"a; {{ .steps.b.text }}", "b: c", "c", "d"}, "c b a d"},
	}
	for _, tt := range tests {
		w, err := Parse("f.toml", flow(tt.steps...))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(w.Order(), " "); got != tt.want {
			t.Errorf("%v: Order = %s, want %s", tt.steps, got, tt.want)
		}
	}

	byHand := &Workflow{Steps: []Step{{ID: "a", Deps: []string{"gone"}}, {ID: "b"}, {ID: "c", Deps: []string{"a"}}}}
	if got := byHand.Order(); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("Order with an unknown dep = %v, want [b]", got)
	}
}

func TestReady(t *testing.T) {
	w, err := Parse("f.toml", flow("a", "b", "c: a; {{ .steps.b.text }}", "d: a", "e: c d"))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(steps []*Step) string {
		var s []string
		for _, st := range steps {
			s = append(s, st.ID)
		}
		return strings.Join(s, " ")
	}
	set := func(ids ...string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	tests := []struct {
		done, started map[string]bool
		want          string
	}{
		{nil, nil, "a b"},
		{set(), set("a"), "b"},
		{set("a"), set("a", "b"), "d"},
		{set("a", "b"), set("a", "b"), "c d"},
		{set("a", "b", "c"), set("a", "b", "c", "d"), ""},
		{set("a", "b", "c", "d"), set("a", "b", "c", "d"), "e"},
		{set("a", "b", "c", "d", "e"), set("a", "b", "c", "d", "e"), ""},
	}
	for _, tt := range tests {
		if got := ids(w.Ready(tt.done, tt.started)); got != tt.want {
			t.Errorf("Ready(done %v, started %v) = %q, want %q", tt.done, tt.started, got, tt.want)
		}
	}
	if r := w.Ready(nil, nil); r[0] != &w.Steps[0] {
		t.Error("Ready does not point into w.Steps")
	}
}

// TestSchedule runs workflows with steps finishing in random orders and checks that the
// schedule hands out, at each point, what Ready returns.
func TestSchedule(t *testing.T) {
	flows := [][]string{
		{"a", "b", "c: a; {{ .steps.b.text }}", "d: a", "e: c d"},
		{"d: b", "c: a", "b", "a"},
		{"a; {{ .steps.b.text }}", "b: c", "c", "d", "e: a b c d", "f: c"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range flows {
		w, err := Parse("f.toml", flow(f...))
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			s := w.Schedule()
			done, started := map[string]bool{}, map[string]bool{}
			var running []string
			for {
				want := w.Ready(done, started)
				if got := s.Next(); !reflect.DeepEqual(got, want) {
					t.Fatalf("%v, done %v: Next = %v, want %v", f, done, got, want)
				}
				for _, st := range want {
					started[st.ID] = true
					running = append(running, st.ID)
				}
				if len(running) == 0 {
					break
				}
				k := rng.IntN(len(running))
				done[running[k]] = true
				s.Done(running[k])
				s.Done(running[k]) // again: no change
				running = append(running[:k], running[k+1:]...)
			}
			if len(done) != len(w.Steps) {
				t.Errorf("%v: done %v, want every step", f, done)
			}
		}
	}

	byHand := &Workflow{Steps: []Step{{ID: "a", Deps: []string{"gone"}}, {ID: "b"}, {ID: "c", Deps: []string{"b"}}}}
	s := byHand.Schedule()
	s.Done("gone")
	if got := s.Next(); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("Next = %v, want [b]", got)
	}
	s.Done("b")
	if got := s.Next(); len(got) != 1 || got[0] != &byHand.Steps[2] {
		t.Errorf("Next = %v, want [c], pointing into Steps", got)
	}
	if got := s.Next(); got != nil {
		t.Errorf("Next = %v, want nothing: a waits for an unknown step", got)
	}
}

// bigGraph returns n steps (s0 … s<n-1>) on server "s", with the dependencies deps gives
// each, built by hand: a workflow this size is about what MaxFileSize holds.
func bigGraph(n int, deps func(i int) []int) *Workflow {
	w := &Workflow{File: "big.toml", Vars: map[string]any{}, Steps: make([]Step, n)}
	for i := range w.Steps {
		w.Steps[i] = Step{ID: fmt.Sprintf("s%d", i), Server: "s", Kind: KindTool, Target: "t"}
		for _, d := range deps(i) {
			w.Steps[i].Deps = append(w.Steps[i].Deps, fmt.Sprintf("s%d", d))
		}
	}
	return w
}

// TestBigGraphs plans workflows of 50,000 steps shaped as a chain, a fan-in and a fan-out:
// cycle detection, Order, Schedule and Validate must each be linear in steps plus
// dependencies for this to finish at all (the test sets no time limit of its own).
func TestBigGraphs(t *testing.T) {
	const n = 50_000
	tests := []struct {
		name string
		deps func(i int) []int
	}{
		{"chain", func(i int) []int { // s<i> waits for s<i-1>
			if i == 0 {
				return nil
			}
			return []int{i - 1}
		}},
		{"fan-in", func(i int) []int { // the last step waits for every other one
			if i < n-1 {
				return nil
			}
			all := make([]int, n-1)
			for k := range all {
				all[k] = k
			}
			return all
		}},
		{"fan-out", func(i int) []int { // every step waits for the first
			if i == 0 {
				return nil
			}
			return []int{0}
		}},
		{"chain of fan-ins", func(i int) []int { // each step waits for the 8 before it
			var d []int
			for k := max(0, i-8); k < i; k++ {
				d = append(d, k)
			}
			return d
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := bigGraph(n, tt.deps)
			if cycle := findCycle(w.Steps); cycle != nil {
				t.Fatalf("findCycle = %d steps, want none", len(cycle))
			}
			servers := make([]string, n) // many servers too: Validate must not scan them per step
			for i := range servers {
				servers[i] = fmt.Sprintf("server%d", i)
			}
			servers[n-1] = "s"
			if err := w.Validate(servers); err != nil {
				t.Fatal(err)
			}
			order := w.Order()
			pos := make(map[string]int, n)
			for k, id := range order {
				pos[id] = k
			}
			if len(order) != n {
				t.Fatalf("Order has %d steps, want %d", len(order), n)
			}
			for _, s := range w.Steps {
				for _, d := range s.Deps {
					if pos[d] > pos[s.ID] {
						t.Fatalf("Order runs %s before its dependency %s", s.ID, d)
					}
				}
			}
			s, ran := w.Schedule(), 0
			for ready := s.Next(); len(ready) > 0; ready = s.Next() {
				for _, st := range ready {
					s.Done(st.ID)
					ran++
				}
			}
			if ran != n {
				t.Errorf("Schedule handed out %d steps, want %d", ran, n)
			}
		})
	}
}

// TestBigCycle finds cycles in 50,000-step workflows and names their steps, from the first in
// file order.
func TestBigCycle(t *testing.T) {
	const n = 50_000
	chain := func(i int) []int {
		if i == 0 {
			return nil
		}
		return []int{i - 1}
	}
	tests := []struct {
		name string
		deps func(i int) []int
		want []string // the cycle's first steps, and its length (steps, the first repeated)
		len  int
	}{
		{"the whole chain", func(i int) []int {
			if i == 0 {
				return []int{n - 1} // s0 waits for the last step, which waits for … s0
			}
			return []int{i - 1}
		}, []string{"s0", fmt.Sprint("s", n-1), fmt.Sprint("s", n-2)}, n + 1},
		{"three steps at the end of a chain", func(i int) []int {
			if i == n-3 {
				return []int{i - 1, n - 1} // s<n-3> waits for s<n-1>, which waits for s<n-2>, which waits for s<n-3>
			}
			return chain(i)
		}, []string{fmt.Sprint("s", n-3), fmt.Sprint("s", n-1), fmt.Sprint("s", n-2), fmt.Sprint("s", n-3)}, 4},
		{"behind a fan-in", func(i int) []int {
			switch {
			case i == n-1:
				all := make([]int, n-1)
				for k := range all {
					all[k] = k
				}
				return all
			case i == 1:
				return []int{2}
			case i == 2:
				return []int{1}
			}
			return nil
		}, []string{"s1", "s2", "s1"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := bigGraph(n, tt.deps)
			cycle := findCycle(w.Steps)
			if len(cycle) != tt.len || !reflect.DeepEqual(cycle[:len(tt.want)], tt.want) || cycle[0] != cycle[len(cycle)-1] {
				head := cycle[:min(len(cycle), 5)]
				t.Fatalf("findCycle = %v… (%d steps), want %v… (%d steps)", head, len(cycle), tt.want, tt.len)
			}
			err := (&parser{file: "big.toml"}).checkCycles(w)
			var e *Error
			if !errors.As(err, &e) || e.Step != tt.want[0] || !strings.HasPrefix(e.Msg, "dependency cycle: "+strings.Join(tt.want, " -> ")) {
				t.Errorf("checkCycles = %v; want a cycle from step %s", err, tt.want[0])
			}
		})
	}
}
