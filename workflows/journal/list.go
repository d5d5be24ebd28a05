package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Run states, as `spine runs` shows them.
const (
	StateOK          = "ok"
	StateFailed      = "failed"
	StateInterrupted = "interrupted" // cancelled, or no end record and no process holds it: resume it
	StateRunning     = "running"
)

// Summary is one run, as `spine runs` lists it.
type Summary struct {
	RunID    string        `json:"run_id"`
	Workflow string        `json:"workflow"`
	File     string        `json:"file"`
	State    string        `json:"state"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"-"`
	// DurationMs runs from the start to the last record (to now for a running run).
	DurationMs float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
	Path       string  `json:"journal"`
}

// tailSize is how much of a journal's end Summarize reads for its last record.
const tailSize = 64 << 10

// List summarizes the journals in dir (the project's .spine/runs), newest first, at most
// limit of them (0 = all). A directory that does not exist holds no runs. Journals that
// cannot be read are left out.
func List(dir string, limit int) ([]Summary, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		s, err := Summarize(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Summary) int { return b.Started.Compare(a.Started) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Summarize reads a journal's header and its last records: what List shows of it.
func Summarize(path string) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 64<<10).ReadBytes('\n')
	if err != nil {
		return Summary{}, err
	}
	var h Record
	if err := json.Unmarshal(line, &h); err != nil || h.Type != TypeRun {
		return Summary{}, errors.New(path + ": not a run journal")
	}
	s := Summary{RunID: h.RunID, Workflow: h.Workflow, File: h.File, Started: h.Time, Path: path}
	info, err := f.Stat()
	if err != nil {
		return Summary{}, err
	}
	from := max(info.Size()-tailSize, 0)
	tail := make([]byte, info.Size()-from)
	if _, err := f.ReadAt(tail, from); err != nil && err != io.EOF {
		return Summary{}, err
	}
	last := h
	var end *Record
	lines := bytes.Split(tail, []byte("\n"))
	for i, l := range lines {
		if i == 0 && from > 0 || len(bytes.TrimSpace(l)) == 0 {
			continue // cut by the tail's start, or empty
		}
		var rec Record
		if json.Unmarshal(l, &rec) != nil {
			continue
		}
		last = rec
		switch rec.Type {
		case TypeEnd:
			end = &rec
		case TypeResume:
			end = nil
		}
	}
	end = endOf(last, end)
	switch {
	case locked(path):
		s.State = StateRunning
		s.Duration = time.Since(h.Time)
	case end != nil && end.OK != nil && *end.OK:
		s.State = StateOK
	case end != nil && end.Status == StateInterrupted:
		s.State, s.Error = StateInterrupted, end.Error
	case end != nil:
		s.State, s.Error = StateFailed, end.Error
	default:
		s.State = StateInterrupted
	}
	if s.Duration == 0 {
		s.Duration = last.Time.Sub(h.Time)
	}
	s.DurationMs = float64(s.Duration.Microseconds()) / 1000
	return s, nil
}

// endOf is the run's end record: the last record when it is one.
func endOf(last Record, end *Record) *Record {
	if last.Type == TypeEnd {
		return &last
	}
	return end
}
