package capability

import (
	"bytes"
	"errors"
	"testing"
)

// checkRejection fails the fuzz test unless err, the rejection of data read as file, is made
// of *ConfigError values (one, or several joined) that name file and a line of data. Every
// problem the loaders report is about a key, a value or a syntax error at a place in the
// file, so every one of them has a line.
func checkRejection(t *testing.T, file string, data []byte, err error) {
	t.Helper()
	for _, e := range flatten(err) {
		ce, ok := e.(*ConfigError)
		if !ok {
			t.Fatalf("rejection %T %q is not a *ConfigError", e, e)
		}
		if ce.File != file {
			t.Fatalf("rejection %q names file %q, want %q", ce, ce.File, file)
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; ce.Line < 1 || ce.Line > lines {
			t.Fatalf("rejection %q: line %d, want 1..%d", ce, ce.Line, lines)
		}
	}
}

// flatten returns the errors joined in err (err itself when it joins none).
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	var ce *ConfigError
	if errors.As(err, &ce) && ce == err {
		return []error{ce}
	}
	return []error{err}
}
