package main

import (
	"github.com/spine-mcp/spine/internal/spinetest"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
)

func progressWorkflow(t *testing.T) *workflows.Workflow {
	t.Helper()
	wf, err := workflows.Parse("p.toml", []byte(`
[[steps]]
id = "hello"
server = "demo"
tool = "echo"

[[steps]]
id = "boom"
server = "demo"
tool = "fail"
retries = 1

[[steps]]
id = "later"
server = "demo"
tool = "echo"
needs = ["boom"]
`))
	if err != nil {
		t.Fatal(err)
	}
	return wf
}

// feed sends the events of a small run: hello ok, boom failed after a retry, later skipped.
func feed(p *progress) {
	t0 := time.Now()
	ev := func(step, target string, st executor.StepStatus, attempt int, elapsed time.Duration, err string) {
		p.event(executor.StepEvent{Step: step, Server: "demo", Target: target, Status: st, Attempt: attempt,
			Elapsed: elapsed, Err: err, Time: t0.Add(elapsed)})
	}
	ev("hello", "echo", executor.StepRunning, 1, 0, "")
	ev("boom", "fail", executor.StepRunning, 1, 0, "")
	ev("hello", "echo", executor.StepOK, 1, 3100*time.Microsecond, "")
	ev("boom", "fail", executor.StepRetrying, 1, 2*time.Millisecond, "hiccup")
	ev("boom", "fail", executor.StepRunning, 2, 150*time.Millisecond, "")
	ev("boom", "fail", executor.StepFailed, 2, 152*time.Millisecond, "it failed\nsecond line")
	ev("later", "echo", executor.StepSkipped, 0, 0, `not run: step "boom" failed`)
}

func TestProgressLines(t *testing.T) {
	var out spinetest.Buffer
	p := newProgress(&out, progressWorkflow(t), false)
	feed(p)
	p.close()
	want := []string{
		"ok        hello  demo echo    3.1ms",
		"failed    boom   demo fail    152ms (2 attempts)  it failed",
		`skipped   later  demo echo        -  not run: step "boom" failed`,
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestProgressLiveTable(t *testing.T) {
	var out spinetest.Buffer
	p := newProgress(&out, progressWorkflow(t), true)
	feed(p)
	p.close()
	s := out.String()
	for _, want := range []string{"STEP", "STATE", "ATTEMPTS", "\x1b[2K", "\x1b[32mok", "\x1b[31mfailed", "it failed"} {
		if !strings.Contains(s, want) {
			t.Errorf("live output lacks %q:\n%q", want, s)
		}
	}
	if strings.Contains(s, "second line") {
		t.Errorf("an error's later lines break the table:\n%q", s)
	}
}

func TestFmtDuration(t *testing.T) {
	cases := map[time.Duration]string{
		0:                         "0s",
		850 * time.Microsecond:    "850µs",
		3149 * time.Microsecond:   "3.1ms",
		1234 * time.Millisecond:   "1.23s",
		125400 * time.Millisecond: "2m5s",
	}
	for d, want := range cases {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
