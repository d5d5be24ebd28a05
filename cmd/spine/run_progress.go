package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
)

// redrawEvery throttles the live table: faster is flicker, slower looks stuck.
const redrawEvery = 100 * time.Millisecond

// progress shows a run's steps on stderr: on a terminal, a live table redrawn ten times a
// second; otherwise one line per finished step. Events come from the workflow actor and only
// update state under the lock; writing is left to a goroutine that progress owns and close
// ends, so a slow stderr never stalls the run.
type progress struct {
	w     io.Writer
	live  bool
	width int // of the step id column
	call  int // of the "server target" column of finished lines
	wake  chan struct{}
	quit  chan struct{}
	done  chan struct{}
	drawn int // lines of the last live table, to move back over

	mu    sync.Mutex
	rows  []*progressRow
	byID  map[string]*progressRow
	lines []string // finished steps not yet written (line mode)
}

// progressRow is what the table shows of one step.
type progressRow struct {
	id, server, target string
	status             executor.StepStatus
	attempts           int
	started            time.Time
	elapsed            time.Duration // final once the step finished
	err                string
	items, itemsDone   int // of a for_each step
}

func newProgress(w io.Writer, wf *workflows.Workflow, live bool) *progress {
	p := &progress{
		w: w, live: live,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		byID: map[string]*progressRow{},
	}
	for _, s := range wf.Steps {
		r := &progressRow{id: s.ID, server: s.Server, target: s.Target, status: executor.StepPending}
		p.rows = append(p.rows, r)
		p.byID[s.ID] = r
		p.width = max(p.width, len(s.ID))
		p.call = min(max(p.call, len(s.Server)+1+len(s.Target)), 32)
	}
	go p.loop()
	return p
}

// event takes a step event from the run. It must not block: it only records.
func (p *progress) event(ev executor.StepEvent) {
	p.mu.Lock()
	r := p.byID[ev.Step]
	if r == nil {
		p.mu.Unlock()
		return
	}
	if r.started.IsZero() && ev.Status != executor.StepSkipped {
		r.started = ev.Time.Add(-ev.Elapsed)
	}
	r.status, r.attempts, r.target, r.err = ev.Status, ev.Attempt, ev.Target, ev.Err
	r.items, r.itemsDone = ev.Items, ev.ItemsDone
	r.elapsed = ev.Elapsed
	if !p.live && ev.Status.Finished() {
		p.lines = append(p.lines, p.line(r))
	}
	p.mu.Unlock()
	if !p.live {
		select {
		case p.wake <- struct{}{}:
		default: // a write is already due
		}
	}
}

// close writes what is left and ends the writing goroutine.
func (p *progress) close() {
	close(p.quit)
	<-p.done
}

func (p *progress) loop() {
	defer close(p.done)
	var tick <-chan time.Time
	if p.live {
		t := time.NewTicker(redrawEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-p.wake:
		case <-tick:
		case <-p.quit:
			p.flush()
			return
		}
		p.flush()
	}
}

func (p *progress) flush() {
	if !p.live {
		p.mu.Lock()
		lines := p.lines
		p.lines = nil
		p.mu.Unlock()
		for _, l := range lines {
			fmt.Fprintln(p.w, l)
		}
		return
	}
	p.mu.Lock()
	table := p.table(time.Now())
	p.mu.Unlock()
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the table's first line
	}
	for _, l := range table {
		b.WriteString("\r\x1b[2K" + l + "\n")
	}
	p.drawn = len(table)
	io.WriteString(p.w, b.String())
}

// line is the one line of a finished step: status, id, server and target, duration,
// attempts when more than one, and the error.
//
//	ok        hello  demo echo    3.1ms
func (p *progress) line(r *progressRow) string {
	s := fmt.Sprintf("%-9s %-*s  %-*s", r.status, p.width, r.id, p.call, r.server+" "+r.target)
	d := "-"
	if r.status != executor.StepSkipped {
		d = fmtDuration(r.elapsed)
	}
	s += fmt.Sprintf("  %7s", d)
	switch {
	case r.items > 0 && r.attempts > r.items:
		s += fmt.Sprintf(" (%d items, %d attempts)", r.items, r.attempts)
	case r.items > 0:
		s += fmt.Sprintf(" (%d items)", r.items)
	case r.attempts > 1:
		s += fmt.Sprintf(" (%d attempts)", r.attempts)
	}
	if r.err != "" {
		s += "  " + firstLine(r.err)
	}
	return s
}

// table renders the live table at now: a header, then one row per step in file order.
func (p *progress) table(now time.Time) []string {
	out := []string{fmt.Sprintf("  %-*s  %-9s  %8s  %-8s  %s", p.width, "STEP", "STATE", "ELAPSED", "ATTEMPTS", "CALL")}
	for _, r := range p.rows {
		elapsed := ""
		switch {
		case r.status == executor.StepRunning || r.status == executor.StepRetrying:
			elapsed = fmtDuration(now.Sub(r.started).Truncate(10 * time.Millisecond)) // steady digits while it counts
		case r.elapsed > 0:
			elapsed = fmtDuration(r.elapsed)
		}
		attempts := ""
		if r.attempts > 0 {
			attempts = fmt.Sprint(r.attempts)
		}
		call := r.server + " " + r.target
		if r.items > 0 {
			call = fmt.Sprintf("[%d/%d] %s", r.itemsDone, r.items, call)
		}
		if r.err != "" && r.status != executor.StepRunning {
			call += "  " + truncate(firstLine(r.err), 60)
		}
		state := colour(r.status, fmt.Sprintf("%-9s", r.status))
		out = append(out, fmt.Sprintf("  %-*s  %s  %8s  %-8s  %s", p.width, r.id, state, elapsed, attempts, call))
	}
	return out
}

// colour wraps s in the ANSI colour of a status.
func colour(st executor.StepStatus, s string) string {
	code := map[executor.StepStatus]string{
		executor.StepRunning: "36", executor.StepRetrying: "33", executor.StepOK: "32", executor.StepFailed: "31",
		executor.StepSkipped: "2", executor.StepCancelled: "33",
	}[st]
	if code == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// fmtDuration rounds d for people: 850µs, 3.1ms, 1.23s, 2m5s.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
