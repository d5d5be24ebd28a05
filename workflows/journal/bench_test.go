package journal

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// BenchmarkStep: what the journal adds to one workflow step, as a run writes it: the attempt
// written before the call is sent, then its outcome (an echo result) and the step's end.
func BenchmarkStep(b *testing.B) {
	for _, secrets := range []struct {
		name string
		list []string
	}{{"no-secrets", nil}, {"one-secret", []string{"s3cr3t-value"}}} {
		b.Run(secrets.name, func(b *testing.B) {
			path, err := PathIn(filepath.Join(b.TempDir(), Dir), "bench")
			if err != nil {
				b.Fatal(err)
			}
			w, err := Create(path, Record{Type: TypeRun, RunID: "bench", Workflow: "chain"}, secrets.list)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = w.Close() })
			result := json.RawMessage(`{"content":[{"type":"text","text":"hi"}]}`)
			b.ReportAllocs()
			for b.Loop() {
				w.Add(Record{Type: TypeAttempt, Step: "s42", Attempt: 1, Server: "demo", Kind: "tool", Target: "echo"})
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
				w.Add(Record{Type: TypeOutcome, Step: "s42", Attempt: 1, Status: OutcomeOK, Result: result})
				w.Add(Record{Type: TypeStepEnd, Step: "s42", Status: "ok"})
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
