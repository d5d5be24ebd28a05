package journal

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func intp(i int) *int { return &i }

func TestWriteReadAndRedact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "project", Dir)
	path, err := PathIn(dir, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, Record{Type: TypeRun, RunID: "run-1", Workflow: "wf", Vars: map[string]any{"token": "s3cr3t-value"}},
		[]string{"s3cr3t-value", `quo"ted`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, Record{Type: TypeRun}, nil); err == nil {
		t.Error("Create over an existing journal succeeded")
	}
	if !Locked(path) {
		t.Error("a journal being written is not locked")
	}
	w.Add(Record{Type: TypeAttempt, Step: "a", Attempt: 1, Server: "s", Kind: "tool", Target: "t"})
	w.Add(Record{Type: TypeOutcome, Step: "a", Attempt: 1, Status: OutcomeOK, Result: json.RawMessage(`{"content":[{"type":"text","text":"s3cr3t-value and quo\"ted"}]}`)})
	w.Add(Record{Type: TypeStepEnd, Step: "a", Status: "ok"})
	w.Add(Record{Type: TypeAttempt, Step: "each", Item: intp(2), Attempt: 1, Items: intp(3)})
	w.Add(Record{Type: TypeOutcome, Step: "each", Item: intp(2), Attempt: 1, Status: OutcomeFailed, Class: "maybe_ran"})
	w.Add(Record{Type: TypeAttempt, Step: "b", Attempt: 1, Target: "t"})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// What the file holds, as a process killed now would leave it.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "s3cr3t") || strings.Contains(string(data), `quo\"ted`) || strings.Count(string(data), "[redacted]") != 3 {
		t.Errorf("secrets not redacted:\n%s", data)
	}
	for _, p := range []string{filepath.Dir(path), path} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]os.FileMode{true: 0o700, false: 0o600}[info.IsDir()]; info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode().Perm(), want)
		}
	}
	// A line cut short at the end (the process died while writing it) is ignored.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"type":"outcome","step":"b","att`)
	f.Close()
	l, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Header.RunID != "run-1" || l.Steps["a"].Status != "ok" || l.Steps["a"].Call.InFlight() {
		t.Errorf("a: %+v", l.Steps["a"])
	}
	if !l.Steps["b"].Call.InFlight() {
		t.Errorf("b should be in flight: %+v", l.Steps["b"].Call)
	}
	if items := l.Steps["each"].Items; len(items) != 3 || items[2].Outcome == nil || items[2].Outcome.Class != "maybe_ran" || items[0].Attempt != nil {
		t.Errorf("each items: %+v", items)
	}
	s, err := Summarize(path)
	if err != nil || s.State != StateRunning {
		t.Errorf("summary while the writer holds it: %+v %v", s, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := Summarize(path); s.State != StateInterrupted || s.Workflow != "wf" {
		t.Errorf("summary of a run without an end: %+v", s)
	}

	// Resume: append, accept b, end.
	if l.Vars["token"] != "[redacted]" {
		t.Errorf("vars = %v", l.Vars)
	}
	w, err = Append(path, Record{Type: TypeResume, Accept: []string{"b"}, Vars: map[string]any{"token": "given again"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok := false
	w.Add(Record{Type: TypeEnd, OK: &ok, Error: "step x failed"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Vars["token"] != "given again" {
		t.Errorf("vars after the resume = %v", l.Vars)
	}
	if l.Torn != 1 || !l.Steps["b"].Accepted || l.End == nil || *l.End.OK || l.Resumes != 1 {
		t.Errorf("after the resume: torn %d, b %+v, end %+v", l.Torn, l.Steps["b"], l.End)
	}
	if s, _ := Summarize(path); s.State != StateFailed || s.Error != "step x failed" {
		t.Errorf("summary: %+v", s)
	}
}

func TestListStates(t *testing.T) {
	dir := t.TempDir()
	mk := func(id string, started time.Time, end *Record) {
		path, _ := PathIn(dir, id)
		w, err := Create(path, Record{Type: TypeRun, RunID: id, Workflow: "wf-" + id, Time: started}, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.Add(Record{Type: TypeAttempt, Step: "a", Time: started.Add(time.Second)})
		if end != nil {
			end.Time = started.Add(2 * time.Second)
			w.Add(*end)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	yes, no := true, false
	now := time.Now()
	mk("run-ok", now.Add(-3*time.Minute), &Record{Type: TypeEnd, OK: &yes})
	mk("run-failed", now.Add(-2*time.Minute), &Record{Type: TypeEnd, OK: &no, Error: "boom"})
	mk("run-killed", now.Add(-time.Minute), nil)
	mk("run-cancelled", now.Add(-4*time.Minute), &Record{Type: TypeEnd, OK: &no, Status: StateInterrupted, Error: "cancelled"})
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	runs, err := List(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.RunID+"="+r.State)
	}
	if strings.Join(got, " ") != "run-killed=interrupted run-failed=failed run-ok=ok run-cancelled=interrupted" {
		t.Errorf("runs = %v", got)
	}
	if runs[1].Error != "boom" || runs[2].Duration != 2*time.Second || runs[0].Duration != time.Second {
		t.Errorf("runs = %+v", runs)
	}
	if runs, _ := List(dir, 1); len(runs) != 1 || runs[0].RunID != "run-killed" {
		t.Errorf("limit 1: %+v", runs)
	}
	if runs, err := List(filepath.Join(dir, "none"), 0); err != nil || len(runs) != 0 {
		t.Errorf("a missing directory: %v %v", runs, err)
	}
	if _, err := PathIn(dir, "../etc/passwd"); err == nil {
		t.Error("PathIn accepted a path as a run id")
	}
}
