package workflows

import (
	"os"
	"testing"
)

// FuzzParse checks that no input makes Parse, or the planning of what it accepts, panic, and
// that every rejection is an *Error naming the file and a line of it.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/triage.toml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(step))
	f.Add([]byte("[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"{{ .steps.b.text }}\"\n[[steps]]\nid = \"b\"\nserver = \"s\"\nprompt = \"p\"\nneeds = [\"a\"]\n"))
	f.Add([]byte("steps = [{ id = \"a\", server = \"s\", tool = \"t\", args = { x = [\"{{ $.vars.x }}\"] } }]\n[outputs]\no = \"{{ .steps.a.json }}\""))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.toml", data)
		if err != nil {
			checkRejection(t, "fuzz.toml", data, err)
			return
		}
		if got := w.Order(); len(got) != len(w.Steps) {
			t.Fatalf("Order = %v leaves steps out of %d", got, len(w.Steps))
		}
		w.Ready(nil, nil)
		_ = ApplyVars(w, map[string]string{"x": "1"})
		_ = w.Validate(w.Servers)
	})
}
