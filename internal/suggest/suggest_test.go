package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"command", "args", "env", "cwd", "url", "headers", "max_sessions", "max_inflight"}
	for _, c := range []struct{ word, want string }{
		{"comand", "command"},
		{"COMMAND", "command"}, // keys are case-sensitive
		{"arg", "args"},
		{"max_session", "max_sessions"},
		{"max_inflights", "max_inflight"},
		{"zzz", ""},
		{"x", ""},
		{"head", "headers"},
	} {
		if got := Closest(c.word, keys); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}
