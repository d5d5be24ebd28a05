package workflows

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzValidate checks that no input makes parsing plus validation against a project's
// servers panic, and that every rejection, at either stage, is an *Error naming the file and
// a line of it.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(step))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.toml", data)
		if err != nil {
			checkRejection(t, "fuzz.toml", data, err)
			return
		}
		_ = ApplyVars(w, map[string]string{"x": "1"})
		checkRejection(t, "fuzz.toml", data, w.Validate([]string{"s", "demo"}))
	})
}

// checkRejection fails the fuzz test unless err (nil passes) is an *Error naming file and a
// line of data. Every rejection of a workflow file is about a key, a value, a template or a
// syntax error at a place in the file — except one about the file as a whole (no step, no
// key: "no steps"), for which what is wrong is what is missing, and there is no line.
func checkRejection(t *testing.T, file string, data []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.File != file {
		t.Fatalf("rejection %T %q is not an *Error naming %s", err, err, file)
	}
	if e.Line == 0 && e.Step == "" && e.Key == "" {
		return
	}
	if lines := bytes.Count(data, []byte("\n")) + 1; e.Line < 1 || e.Line > lines {
		t.Fatalf("rejection %q: line %d, want 1..%d", e, e.Line, lines)
	}
}
