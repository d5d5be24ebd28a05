package gateway

import (
	"testing"
)

func TestNames(t *testing.T) {
	order := []string{"a", "b", "c"}
	for _, tc := range []struct {
		name  string
		mode  NameMode
		rules map[string]ServerNaming
		lists map[string][]string
		want  map[Target]string
		clash int
	}{
		{
			name:  "prefixed",
			mode:  NamesPrefixed,
			lists: map[string][]string{"a": {"echo"}, "b": {"echo", "add"}},
			want:  map[Target]string{{"a", "echo"}: "a__echo", {"b", "echo"}: "b__echo", {"b", "add"}: "b__add"},
		},
		{
			name:  "bare where unique",
			mode:  NamesBare,
			lists: map[string][]string{"a": {"echo", "only_a"}, "b": {"echo"}},
			want:  map[Target]string{{"a", "echo"}: "a__echo", {"b", "echo"}: "b__echo", {"a", "only_a"}: "only_a"},
		},
		{
			name:  "a prefix taken: the earlier server keeps it",
			mode:  NamesPrefixed,
			rules: map[string]ServerNaming{"b": {Prefix: "a"}},
			lists: map[string][]string{"a": {"echo"}, "b": {"echo"}},
			want:  map[Target]string{{"a", "echo"}: "a__echo", {"b", "echo"}: "b__echo"},
			clash: 1,
		},
		{
			name:  "alias",
			mode:  NamesPrefixed,
			rules: map[string]ServerNaming{"b": {Aliases: map[string]string{"add": "plus"}}},
			lists: map[string][]string{"b": {"add"}},
			want:  map[Target]string{{"b", "add"}: "plus"},
		},
		{
			name:  "an alias on another server's name, and the fallback taken too",
			mode:  NamesPrefixed,
			rules: map[string]ServerNaming{"b": {Aliases: map[string]string{"x": "a__echo"}}, "c": {Prefix: "b"}},
			lists: map[string][]string{"a": {"echo"}, "b": {"x"}, "c": {"x"}},
			want:  map[Target]string{{"a", "echo"}: "a__echo", {"b", "x"}: "b__x", {"c", "x"}: "c__x"},
			clash: 2,
		},
		{
			name:  "a separator inside a tool name",
			mode:  NamesPrefixed,
			lists: map[string][]string{"a": {"b__x"}, "b": {"x"}},
			want:  map[Target]string{{"a", "b__x"}: "a__b__x", {"b", "x"}: "b__x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace("tool", tc.mode, tc.rules, order)
			got := ns.assign(tc.lists)
			for target, want := range tc.want {
				if got[target] != want {
					t.Errorf("%v -> %q, want %q", target, got[target], want)
				}
				if back, _ := ns.lookup(want); back != target {
					t.Errorf("lookup(%q) = %v, want %v", want, back, target)
				}
			}
			if n := len(ns.collisions()); n != tc.clash {
				t.Errorf("%d collisions, want %d: %+v", n, tc.clash, ns.collisions())
			}
		})
	}
}

// TestNamesStable: a name keeps its meaning while the gateway runs: a tool that disappears
// and comes back gets its name again, and a newcomer never takes a name given before.
func TestNamesStable(t *testing.T) {
	ns := newNamespace("tool", NamesBare, nil, []string{"a", "b"})
	first := ns.assign(map[string][]string{"a": {"echo"}})
	if first[Target{"a", "echo"}] != "echo" {
		t.Fatalf("a's echo: %v", first)
	}
	// b starts offering echo too: a keeps the bare name, b's is prefixed.
	second := ns.assign(map[string][]string{"b": {"echo"}})
	if second[Target{"b", "echo"}] != "b__echo" {
		t.Errorf("b's echo: %v", second)
	}
	// a restarts with the same list: nothing changes.
	if again := ns.assign(map[string][]string{"a": {"echo"}}); again[Target{"a", "echo"}] != "echo" {
		t.Errorf("a's echo after a restart: %v", again)
	}
}

func TestURINames(t *testing.T) {
	ns := newURINamespace("resource", []string{"a", "b"})
	got := ns.assign(map[string][]string{"a": {"demo://readme"}, "b": {"demo://readme", "b://x"}})
	for target, want := range map[Target]string{{"a", "demo://readme"}: "demo://readme", {"b", "demo://readme"}: "b+demo://readme", {"b", "b://x"}: "b://x"} {
		if got[target] != want {
			t.Errorf("%v -> %q, want %q", target, got[target], want)
		}
	}
}
