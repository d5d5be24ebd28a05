package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/workflows"
	"github.com/spine-mcp/spine/workflows/journal"
)

// Resume says how to continue an interrupted run (WithResume). Steps the journal says
// finished are not called again: their journaled results feed the templates. A call that
// was in flight when the run stopped, or whose outcome says it may have run (a lost session,
// a timeout, a cancellation), runs again only where the one retry policy allows it (a read,
// a tool annotated readOnlyHint or idempotentHint or listed in idempotent_tools, a step with
// retry_unsafe = true) or where Rerun names its step; Accept names steps to count as done,
// with no result. Otherwise RunWorkflow returns an *InDoubtError and runs nothing. Other
// steps, failed ones included, run again.
type Resume struct {
	Journal string   // the run's journal: .spine/runs/<run_id>.jsonl in the project
	Accept  []string // steps that may have run, to count as done with no result
	Rerun   []string // steps that may have run, to run again
	Force   bool     // resume although the workflow file changed since the run started
}

// ErrWorkflowChanged: the workflow's sha256 differs from the one the run's journal holds.
var ErrWorkflowChanged = errors.New("the workflow file changed since the run started")

// InDoubtError: a resume would have to run again calls that may have run, and the retry
// policy does not allow it. Nothing ran.
type InDoubtError struct {
	RunID string
	Calls []InDoubt
}

// InDoubt is one call that may have run.
type InDoubt struct {
	Step    string
	Item    int // the for_each item; -1 for a step's only call
	Server  string
	Kind    string
	Target  string
	Attempt int
	Outcome string // "in flight when the run stopped", or the failure that said it may have run
}

func (e *InDoubtError) Error() string {
	var b strings.Builder
	var steps []string
	fmt.Fprintf(&b, "run %s cannot resume: ", e.RunID)
	for i, c := range e.Calls {
		if i > 0 {
			b.WriteString("; ")
		}
		what := fmt.Sprintf("step %q", c.Step)
		if c.Item >= 0 {
			what += fmt.Sprintf(" item %d", c.Item)
		}
		fmt.Fprintf(&b, "%s may have run (%s %q on server %q, attempt %d, %s)", what, c.Kind, c.Target, c.Server, c.Attempt, c.Outcome)
		if !slices.Contains(steps, c.Step) {
			steps = append(steps, c.Step)
		}
	}
	b.WriteString("; running it again is not safe: the tool is not annotated readOnlyHint or idempotentHint, " +
		"nor listed in the server's idempotent_tools, and the step does not say retry_unsafe = true. ")
	accept, rerun := "", ""
	for _, s := range steps {
		accept += " --accept " + s
		rerun += " --rerun " + s
	}
	fmt.Fprintf(&b, "Resume with --resume %s%s to count it as done (with no result), or with --resume %s%s to run it again", e.RunID, accept, e.RunID, rerun)
	return b.String()
}

// openJournal creates the run's journal, or, to resume a run, plans the resume and opens
// the run's journal to append to. It returns nil when the run keeps no journal.
func (e *Executor) openJournal(ctx context.Context, wf *workflows.Workflow, cfg *runConfig) (*journal.Writer, error) {
	secrets := e.workflowSecrets(wf)
	if r := cfg.resume; r != nil {
		if journal.Locked(r.Journal) {
			return nil, fmt.Errorf("%s: %w", r.Journal, journal.ErrRunning)
		}
		log, err := journal.Read(r.Journal)
		if err != nil {
			return nil, err
		}
		if log.Header.SHA256 != wf.SHA256 && !r.Force {
			return nil, fmt.Errorf("run %s: %s: %w (sha256 %.12s… then, %.12s… now): resume with --force to run the new file from where the run stopped",
				log.Header.RunID, wf.File, ErrWorkflowChanged, log.Header.SHA256, wf.SHA256)
		}
		resumed, err := e.planResume(ctx, wf, log, r)
		if err != nil {
			return nil, err
		}
		cfg.RunID, cfg.Resume = log.Header.RunID, resumed
		return journal.Append(r.Journal, journal.Record{Type: journal.TypeResume, RunID: log.Header.RunID, SHA256: wf.SHA256,
			Inputs: wf.InputValues, Vars: wf.Vars, PID: os.Getpid(), Accept: r.Accept, Rerun: r.Rerun}, secrets)
	}
	if cfg.journalDir == "" {
		return nil, nil
	}
	if cfg.RunID == "" {
		cfg.RunID = actors.NewRunID()
	}
	path, err := journal.PathIn(cfg.journalDir, cfg.RunID)
	if err != nil {
		return nil, err
	}
	file, err := filepath.Abs(wf.File)
	if err != nil {
		file = wf.File
	}
	return journal.Create(path, journal.Record{Type: journal.TypeRun, RunID: cfg.RunID, Workflow: wf.Name, File: file,
		SHA256: wf.SHA256, Inputs: wf.InputValues, Vars: wf.Vars, PID: os.Getpid()}, secrets)
}

// workflowSecrets are the secrets of the servers the workflow uses, for the journal to redact.
func (e *Executor) workflowSecrets(wf *workflows.Workflow) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range wf.Steps {
		if seen[s.Server] {
			continue
		}
		seen[s.Server] = true
		if spec, ok := e.rt.Spec(s.Server); ok {
			out = append(out, actors.Secrets(&spec)...)
		}
	}
	return out
}

// planResume decides, from the journal, what each step of a resumed run does: see Resume.
func (e *Executor) planResume(ctx context.Context, wf *workflows.Workflow, log *journal.Log, r *Resume) (map[string]actors.ResumedStep, error) {
	for _, id := range append(slices.Clone(r.Accept), r.Rerun...) {
		if _, ok := wf.Step(id); !ok {
			return nil, &workflows.Error{File: wf.File, Step: id, Msg: "no such step (--accept and --rerun name steps of the workflow)"}
		}
	}
	out := map[string]actors.ResumedStep{}
	doubt := &InDoubtError{RunID: log.Header.RunID}
	for i := range wf.Steps {
		s := &wf.Steps[i]
		st := log.Steps[s.ID]
		if st == nil {
			continue
		}
		continued := s.OnError == workflows.OnErrorContinue
		done := st.Accepted || st.Status == string(actors.StepOK) || st.Status == string(actors.StepFailed) && continued
		if s.ForEach == "" {
			switch {
			case done:
				rs := actors.ResumedStep{Done: true, Status: actors.StepStatus(st.Status), Error: st.Error}
				if st.Call != nil && st.Call.Outcome != nil && !st.Accepted {
					rs.Result = decodeResult(s.Kind, st.Call.Outcome.Result)
				}
				out[s.ID] = rs
			case mayHaveRun(st.Call):
				switch {
				case slices.Contains(r.Accept, s.ID):
					out[s.ID] = actors.ResumedStep{Done: true, Status: actors.StepOK}
				case slices.Contains(r.Rerun, s.ID) || e.mayReplay(ctx, s, st.Call):
				default:
					doubt.Calls = append(doubt.Calls, inDoubt(s, -1, st.Call))
				}
			}
			continue
		}
		rs := actors.ResumedStep{Done: done, Status: actors.StepStatus(st.Status), Error: st.Error, Items: map[int]actors.ResumedItem{}}
		for k := range st.Items {
			c := &st.Items[k]
			switch {
			case c.Outcome != nil && c.Outcome.Status == journal.OutcomeOK:
				rs.Items[k] = actors.ResumedItem{Status: actors.StepOK, Result: decodeResult(s.Kind, c.Outcome.Result)}
			case c.Outcome != nil && c.Outcome.Status == journal.OutcomeIsError && continued:
				rs.Items[k] = actors.ResumedItem{Status: actors.StepFailed, Result: decodeResult(s.Kind, c.Outcome.Result), Error: c.Outcome.Error}
			case done:
			case mayHaveRun(c):
				switch {
				case slices.Contains(r.Accept, s.ID):
					rs.Items[k] = actors.ResumedItem{Status: actors.StepOK}
				case slices.Contains(r.Rerun, s.ID) || e.mayReplay(ctx, s, c):
				default:
					doubt.Calls = append(doubt.Calls, inDoubt(s, k, c))
				}
			}
		}
		if st.Accepted {
			rs.Status = actors.StepOK
		}
		out[s.ID] = rs
	}
	if len(doubt.Calls) > 0 {
		return nil, doubt
	}
	return out, nil
}

// mayHaveRun says whether the journal leaves the call in doubt: sent and never answered, or
// answered by a failure that says it may have run.
func mayHaveRun(c *journal.CallState) bool {
	if c == nil || c.Attempt == nil {
		return false
	}
	if c.Outcome == nil {
		return true
	}
	return c.Outcome.Status == journal.OutcomeFailed &&
		(c.Outcome.Class == string(actors.ClassMaybeRan) || c.Outcome.Class == string(actors.ClassTimeout))
}

// mayReplay applies the one retry policy to a call that may have run: reads, prompts and
// tools that are safe to run twice (annotated, or in idempotent_tools, as the server's tool
// list says now) may run again, and so may any call of a step with retry_unsafe = true.
func (e *Executor) mayReplay(ctx context.Context, s *workflows.Step, c *journal.CallState) bool {
	safe := s.Kind != workflows.KindTool || c.Outcome != nil && c.Outcome.Safe
	if !safe && !s.RetryUnsafe {
		tool := c.Attempt.Target
		if spec, ok := e.rt.Spec(s.Server); ok && spec.Idempotent(tool) {
			safe = true
		} else if tools, err := e.ListTools(ctx, s.Server); err == nil {
			for _, t := range tools {
				if t.Name == tool && t.Annotations != nil && (t.Annotations.ReadOnlyHint || t.Annotations.IdempotentHint) {
					safe = true
				}
			}
		}
	}
	return actors.MayRetry(&actors.Failure{Class: actors.ClassMaybeRan, Safe: safe}, s.RetryUnsafe)
}

func inDoubt(s *workflows.Step, item int, c *journal.CallState) InDoubt {
	d := InDoubt{Step: s.ID, Item: item, Server: c.Attempt.Server, Kind: c.Attempt.Kind, Target: c.Attempt.Target,
		Attempt: c.Attempt.Attempt, Outcome: "in flight when the run stopped"}
	if c.Outcome != nil {
		d.Outcome = c.Outcome.Class + ": " + c.Outcome.Error
	}
	return d
}

// decodeResult decodes a journaled MCP result into its go-sdk type.
func decodeResult(kind workflows.Kind, raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var v any
	switch kind {
	case workflows.KindResource:
		v = &mcp.ReadResourceResult{}
	case workflows.KindPrompt:
		v = &mcp.GetPromptResult{}
	default:
		v = &mcp.CallToolResult{}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil
	}
	return v
}
