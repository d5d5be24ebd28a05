package actors

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWorkflowIf(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "check"
server = "fake"
tool = "fail"
on_error = "continue"

[[steps]]
id = "when_ok"
server = "fake"
tool = "echo"
args = { text = "check passed" }
if = "{{ not .steps.check.is_error }}"

[[steps]]
id = "when_failed"
server = "fake"
tool = "echo"
args = { text = "check failed" }
if = "{{ .steps.check.is_error }}"

[[steps]]
id = "after_skipped"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.when_ok.text }}" }

[[steps]]
id = "literal_true"
server = "fake"
tool = "echo"
args = { text = "yes" }
if = "true"

[[steps]]
id = "text_false"
server = "fake"
tool = "echo"
args = { text = "no" }
if = "{{ if .steps.check.is_error }}FALSE{{ else }}true{{ end }}"

[outputs]
from_skipped = "{{ .steps.when_ok.json.x }}"
from_ran     = "{{ .steps.when_failed.text }}"
`)
	rep := r.wait()
	got := statuses(rep)
	want := map[string]StepStatus{"check": StepFailed, "when_ok": StepSkipped, "when_failed": StepOK,
		"after_skipped": StepSkipped, "literal_true": StepOK, "text_false": StepSkipped}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	if s := r.step(rep, "when_ok"); s.Error != "if was false" || s.Attempts != 0 {
		t.Errorf("when_ok: error %q after %d attempts, want the reason \"if was false\" and no call", s.Error, s.Attempts)
	}
	if s := r.step(rep, "after_skipped"); !strings.Contains(s.Error, `step "when_ok" skipped`) {
		t.Errorf("after_skipped: %q", s.Error)
	}
	// An output that reads a skipped step is empty, not a failure of the run.
	if !rep.OK || rep.Outputs["from_skipped"] != "" || rep.Outputs["from_ran"] != "check failed" {
		t.Errorf("ok=%v (%s) outputs %v", rep.OK, rep.Error, rep.Outputs)
	}
	requests, _ := r.rec.snapshot()
	if len(requests) != 3 {
		t.Errorf("%d calls, want 3 (check, when_failed, literal_true)", len(requests))
	}
}

func TestWorkflowIfNotABoolean(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "a"
server = "fake"
tool = "echo"
args = { text = "maybe" }

[[steps]]
id = "b"
server = "fake"
tool = "echo"
args = { text = "x" }
if = "{{ .steps.a.text }}"
`)
	rep := r.wait()
	if s := r.step(rep, "b"); s.Status != StepFailed || !strings.Contains(s.Error, `if: want true or false, got "maybe"`) {
		t.Errorf("b: %s %q", s.Status, s.Error)
	}
	if rep.OK {
		t.Error("run ok, want failed by b's if")
	}
}

func TestWorkflowForEach(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "list"
server = "fake"
tool = "echo"
args = { text = '["a", "b", "c"]' }

[[steps]]
id = "each"
server = "fake"
tool = "echo"
args = { text = "{{ .index }}:{{ .item }}" }
for_each = "{{ .steps.list.json }}"
max_parallel = 2

[[steps]]
id = "join"
server = "fake"
tool = "echo"
args = { text = "{{ range .steps.each.items }}{{ .text }} {{ end }}" }

[[steps]]
id = "none"
server = "fake"
tool = "echo"
args = { text = "{{ .item }}" }
for_each = "[]"

[outputs]
texts = "{{ .steps.each.json }}"
count = "{{ len .steps.none.items }}"
`)
	rep := r.wait()
	if !rep.OK {
		t.Fatalf("run failed: %s", rep.Error)
	}
	each := r.step(rep, "each")
	if each.Status != StepOK || each.Attempts != 3 || len(each.Items) != 3 {
		t.Fatalf("each: %s after %d attempts, %d items", each.Status, each.Attempts, len(each.Items))
	}
	for i, it := range each.Items {
		if it.Index != i || it.Status != StepOK || it.Attempts != 1 || it.Text != []string{"0:a", "1:b", "2:c"}[i] {
			t.Errorf("item %d = %+v", i, it)
		}
	}
	if got := r.step(rep, "join").Text; got != "0:a 1:b 2:c " {
		t.Errorf("join = %q", got)
	}
	if b, _ := json.Marshal(rep.Outputs); string(b) != `{"count":0,"texts":[null,null,null]}` && string(b) != `{"count":0,"texts":["0:a","1:b","2:c"]}` {
		t.Errorf("outputs = %s", b)
	}
	if s := r.step(rep, "none"); s.Status != StepOK || len(s.Items) != 0 {
		t.Errorf("none: %s, %d items", s.Status, len(s.Items))
	}
}

// One item's failure under on_error = "fail" fails the step and starts no more items; under
// "continue" every item runs, the step is failed and its dependents run.
func TestWorkflowForEachItemFailure(t *testing.T) {
	t.Run("fail", func(t *testing.T) {
		r := startFake(t, `
[[steps]]
id = "each"
server = "fake"
tool = "{{ .item }}"
for_each = '["echo", "fail", "echo", "echo", "echo"]'
args = { text = "hi" }
max_parallel = 1

[[steps]]
id = "after"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.each.text }}" }
`)
		rep := r.wait()
		each := r.step(rep, "each")
		if rep.OK || each.Status != StepFailed || !strings.Contains(each.Error, "item 1:") {
			t.Errorf("run ok=%v, each %s %q: want the step failed by item 1", rep.OK, each.Status, each.Error)
		}
		var st []string
		for _, it := range each.Items {
			st = append(st, string(it.Status))
		}
		if strings.Join(st, " ") != "ok failed skipped skipped skipped" {
			t.Errorf("items = %v", st)
		}
		if requests, _ := r.rec.snapshot(); len(requests) != 2 {
			t.Errorf("%d calls, want 2: no item starts after the failure", len(requests))
		}
		if s := r.step(rep, "after"); s.Status != StepSkipped {
			t.Errorf("after: %s", s.Status)
		}
	})
	t.Run("continue", func(t *testing.T) {
		r := startFake(t, `
[[steps]]
id = "each"
server = "fake"
tool = "{{ .item }}"
for_each = '["echo", "fail", "echo"]'
args = { text = "hi" }
on_error = "continue"

[[steps]]
id = "after"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.each.is_error }} {{ range .steps.each.items }}{{ .is_error }},{{ end }}" }
`)
		rep := r.wait()
		each := r.step(rep, "each")
		if !rep.OK || each.Status != StepFailed || len(each.Items) != 3 {
			t.Fatalf("ok=%v each %s (%d items): want a failed step in an ok run", rep.OK, each.Status, len(each.Items))
		}
		if got := r.step(rep, "after").Text; got != "true false,true,false," {
			t.Errorf("after = %q", got)
		}
		if each.Items[1].Status != StepFailed || !strings.Contains(each.Items[1].Error, "it failed") {
			t.Errorf("item 1 = %+v", each.Items[1])
		}
	})
}

func TestWorkflowForEachBadList(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "each"
server = "fake"
tool = "echo"
args = { text = "{{ .item }}" }
for_each = "{{ .vars.n }}"

[vars]
n = 3
`)
	rep := r.wait()
	if s := r.step(rep, "each"); s.Status != StepFailed || !strings.Contains(s.Error, "for_each: want a list, got an integer") {
		t.Errorf("each: %s %q", s.Status, s.Error)
	}
}
