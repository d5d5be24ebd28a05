package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Dir is where journals live, under the project directory.
const Dir = ".spine/runs"

// Record types.
const (
	TypeRun     = "run"
	TypeResume  = "resume"
	TypeAttempt = "attempt"
	TypeOutcome = "outcome"
	TypeStepEnd = "step_end"
	TypeEnd     = "end"
)

// Outcome statuses.
const (
	OutcomeOK      = "ok"       // answered
	OutcomeIsError = "is_error" // answered with a tool result that has isError: the tool ran
	OutcomeFailed  = "failed"   // no answer: Class says whether it may have run
)

// Record is one line of a journal. Type says which fields are set.
type Record struct {
	Type string    `json:"type"`
	Time time.Time `json:"time"`

	// run, resume
	RunID    string         `json:"run_id,omitempty"`
	Workflow string         `json:"workflow,omitempty"`
	File     string         `json:"file,omitempty"`
	SHA256   string         `json:"sha256,omitempty"`
	Inputs   map[string]any `json:"inputs,omitempty"`
	Vars     map[string]any `json:"vars,omitempty"`
	PID      int            `json:"pid,omitempty"`
	Accept   []string       `json:"accept,omitempty"`
	Rerun    []string       `json:"rerun,omitempty"`

	// attempt, outcome, step_end
	Step    string `json:"step,omitempty"`
	Item    *int   `json:"item,omitempty"` // the for_each item; none for a step's only call
	Attempt int    `json:"attempt,omitempty"`
	Server  string `json:"server,omitempty"`
	Kind    string `json:"kind,omitempty"` // tool, resource, prompt
	Target  string `json:"target,omitempty"`
	Items   *int   `json:"items,omitempty"` // attempt of a for_each step: how many items it has

	Status string          `json:"status,omitempty"` // outcome: ok, is_error, failed; step_end: the step's final status; end: ok, failed, interrupted
	Class  string          `json:"class,omitempty"`  // outcome failed: the failure's class (not_sent, maybe_ran, …)
	Reason string          `json:"reason,omitempty"`
	Safe   bool            `json:"safe,omitempty"` // outcome failed: the operation is safe to repeat
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"` // the MCP result

	OK *bool `json:"ok,omitempty"` // end
}

// validRunID matches the run ids journals are named after.
var validRunID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Path returns the journal of run id under the project directory project.
func Path(project, id string) (string, error) {
	if !validRunID.MatchString(id) {
		return "", fmt.Errorf("%q is not a run id (see spine runs)", id)
	}
	return filepath.Join(project, Dir, id+".jsonl"), nil
}

// Writer appends records to one run's journal. It is safe for concurrent use, though the
// workflow actor is its only writer.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	buf     bytes.Buffer
	secrets []string
	err     error
}

// Create creates the journal at path (its directories 0700, the file 0600, refusing one that
// exists), locks it, and writes header. secrets are redacted from every record.
func Create(path string, header Record, secrets []string) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("run journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("run journal: %w", err)
	}
	return start(f, header, secrets)
}

// Append opens the existing journal at path to continue its run, locks it (an error if
// another process holds it: the run is still going), and writes rec, the "resume" record.
//
// When the journal ends in a line cut short, a newline ends it first, so that the resume's
// records start on a line of their own.
func Append(path string, rec Record, secrets []string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("run journal: %w", err)
	}
	w, err := start(f, Record{}, secrets)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, info.Size()-1); err == nil && last[0] != '\n' {
			w.buf.WriteByte('\n')
		}
	}
	w.Add(rec)
	if err := w.Flush(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func start(f *os.File, first Record, secrets []string) (*Writer, error) {
	if err := lock(f, true); err != nil {
		f.Close()
		return nil, fmt.Errorf("run journal %s: %w", f.Name(), err)
	}
	w := &Writer{f: f, secrets: withEscaped(secrets)}
	if first.Type == "" { // Append writes its own first record
		return w, nil
	}
	w.Add(first)
	if err := w.Flush(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// withEscaped adds to secrets the form each takes inside a JSON string, when it differs,
// longest first.
func withEscaped(secrets []string) []string {
	out := slices.Clone(secrets)
	for _, s := range secrets {
		b, err := json.Marshal(s)
		if err == nil {
			if e := string(b[1 : len(b)-1]); e != s {
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// Name returns the journal's path.
func (w *Writer) Name() string { return w.f.Name() }

// Add buffers rec; Flush writes it.
func (w *Writer) Add(rec Record) {
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	b, err := appendRecord(w.buf.AvailableBuffer(), &rec)
	if err != nil {
		w.err = fmt.Errorf("run journal: %w", err)
		return
	}
	w.buf.Write(b)
}

// Flush writes the buffered records with one write(2); it returns the first error the
// writer met, after which it writes nothing more.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.buf.Len() == 0 {
		return w.err
	}
	data := w.buf.Bytes()
	if len(w.secrets) > 0 {
		s := string(data)
		for _, secret := range w.secrets {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
		data = []byte(s)
	}
	if _, err := w.f.Write(data); err != nil {
		w.err = fmt.Errorf("run journal: %w", err)
	}
	w.buf.Reset()
	return w.err
}

// Close flushes, unlocks and closes the journal. It does not fsync: see the package doc.
func (w *Writer) Close() error {
	err := w.Flush()
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = lock(w.f, false)
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("run journal: %w", cerr)
	}
	return err
}

// Log is a journal read back: its header and what it says of each step.
type Log struct {
	Path   string
	Header Record
	Steps  map[string]*StepState
	End    *Record // the last "end" record, if any after the last "resume"
	Last   time.Time
	// Resumes counts the "resume" records.
	Resumes int
	// Inputs and Vars are the values the run last ran with: the header's, or the last
	// resume's.
	Inputs, Vars map[string]any
	// Torn counts the lines that are not records: writes cut short by the death of their
	// process, skipped.
	Torn int
}

// StepState is what the journal says of one step, the later records over the earlier ones.
type StepState struct {
	Status   string      // the last step_end's status; "" when the step has not settled since it last started
	Error    string      // the last step_end's error
	Accepted bool        // a resume accepted it as done, with no result
	Call     *CallState  // the step's only call; nil for a for_each step or one that never called
	Items    []CallState // a for_each step's items, by index
}

// CallState is what the journal says of one call: its last attempt, and that attempt's
// outcome if it has one.
type CallState struct {
	Attempt *Record // the last "attempt"
	Outcome *Record // its "outcome"; nil: it was in flight when the run stopped
}

// InFlight says whether the call was sent and never answered.
func (c *CallState) InFlight() bool { return c != nil && c.Attempt != nil && c.Outcome == nil }

// Read reads the journal at path. A line cut short (the process died while writing it, which
// one write(2) per flush makes unlikely) is skipped: it was never on disk as a whole, so
// nothing was sent on its account. A file whose first line is not a header is an error.
func Read(path string) (*Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	l := &Log{Path: path, Steps: map[string]*StepState{}}
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(bytes.TrimSpace(line)) > 0 && n == 1 {
				return nil, fmt.Errorf("%s: no header", path)
			}
			break // an unfinished last line: the process died while writing it
		}
		if err != nil {
			return nil, err
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			if n == 1 {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			l.Torn++ // a write cut short by the death of its process, which a resume ended
			continue
		}
		if n == 1 {
			if rec.Type != TypeRun {
				return nil, fmt.Errorf("%s: not a run journal (its first record is %q)", path, rec.Type)
			}
			l.Header = rec
		}
		l.apply(&rec)
	}
	if l.Header.Type != TypeRun {
		return nil, fmt.Errorf("%s: empty journal", path)
	}
	return l, nil
}

func (l *Log) step(id string) *StepState {
	s := l.Steps[id]
	if s == nil {
		s = &StepState{}
		l.Steps[id] = s
	}
	return s
}

func (l *Log) apply(rec *Record) {
	l.Last = rec.Time
	switch rec.Type {
	case TypeRun:
		l.Inputs, l.Vars = rec.Inputs, rec.Vars
	case TypeResume:
		l.Resumes++
		l.Inputs, l.Vars = rec.Inputs, rec.Vars
		l.End = nil
		for _, id := range rec.Accept {
			s := l.step(id)
			s.Accepted, s.Status = true, "ok"
		}
	case TypeAttempt:
		s := l.step(rec.Step)
		s.Status, s.Error, s.Accepted = "", "", false
		c := l.call(s, rec)
		c.Attempt, c.Outcome = rec, nil
	case TypeOutcome:
		s := l.step(rec.Step)
		if c := l.call(s, rec); c.Attempt != nil && c.Attempt.Attempt == rec.Attempt {
			c.Outcome = rec
			if rec.Item == nil && rec.Status == OutcomeOK {
				s.Status = "ok" // the step's only call answered: it is ok (no step_end is written for it)
			}
		}
	case TypeStepEnd:
		s := l.step(rec.Step)
		s.Status, s.Error = rec.Status, rec.Error
	case TypeEnd:
		l.End = rec
	}
}

func (l *Log) call(s *StepState, rec *Record) *CallState {
	if rec.Item == nil {
		if s.Call == nil {
			s.Call = &CallState{}
		}
		return s.Call
	}
	i := *rec.Item
	if i < 0 || i > 1<<20 {
		return &CallState{}
	}
	if i >= len(s.Items) {
		s.Items = append(s.Items, make([]CallState, i+1-len(s.Items))...)
	}
	return &s.Items[i]
}

// ErrRunning is returned when a journal is locked by the process running it.
var ErrRunning = errors.New("the run is still going in another process")

// PathIn returns the journal of run id in dir.
func PathIn(dir, id string) (string, error) {
	if !validRunID.MatchString(id) {
		return "", fmt.Errorf("%q is not a run id (see spine runs)", id)
	}
	return filepath.Join(dir, id+".jsonl"), nil
}

// Locked says whether a process holds the journal at path: its run is going.
func Locked(path string) bool { return locked(path) }
