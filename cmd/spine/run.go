package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
	"github.com/spine-mcp/spine/workflows/journal"
)

// runRun is `spine run WORKFLOW.toml`: check everything first (exit 2, nothing started),
// then run the workflow with live progress on stderr and its outputs on stdout.
func runRun(ctx context.Context, e *env, args []string) error {
	var (
		output, resume          string
		schema, force, no, meta bool
		accept, rerun           listFlag
		client                  clientFlags
	)
	vars := varFlags{}
	pos, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.Var(vars, "var", "set a workflow input or var: --var NAME=VALUE (repeatable; an input's value is parsed by its type)")
		client.register(fs)
		fs.BoolVar(&schema, "schema", false, "print the JSON Schema of the workflow's [inputs] and exit")
		fs.StringVar(&resume, "resume", "", "continue the interrupted run RUN_ID (see spine runs): finished steps are not called again")
		fs.Var(&accept, "accept", "with --resume: count STEP, which may have run, as done with no result (repeatable)")
		fs.Var(&rerun, "rerun", "with --resume: run STEP, which may have run, again (repeatable)")
		fs.BoolVar(&force, "force", false, "with --resume: resume although the workflow file changed since the run started")
		fs.BoolVar(&no, "no-journal", false, "keep no journal of the run (it cannot be resumed)")
		outputFlag(fs, &output, "text", "json")
		fs.BoolVar(&meta, "meta", false, "keep the _meta fields of the steps' results in --output json (left out by default)")
	})
	if err != nil {
		return err
	}
	if err := checkOutput(output, "text", "json"); err != nil {
		return err
	}
	if resume == "" && (len(accept) > 0 || len(rerun) > 0 || force) {
		return badUsage("--accept, --rerun and --force go with --resume RUN_ID")
	}
	if resume != "" && no {
		return badUsage("a resumed run appends to its journal: --no-journal does not go with --resume")
	}
	if len(pos) > 1 || len(pos) == 0 && (resume == "" || schema) {
		return badUsage("want one workflow file")
	}
	if schema {
		return printSchema(e, pos[0])
	}
	var (
		opts []executor.RunOption
		pre  func(*workflows.Workflow) error
		file string
	)
	if len(pos) == 1 {
		file = pos[0]
	}
	if resume != "" {
		p, err := e.projectAsWritten()
		if err != nil {
			return err
		}
		path, err := journal.Path(p.Dir, resume)
		if err != nil {
			return badUsage("--resume: %v", err)
		}
		log, err := journal.Read(path)
		if errors.Is(err, fs.ErrNotExist) {
			return badInput(fmt.Errorf("no run %q in %s (see spine runs)", resume, filepath.Join(p.Dir, journal.Dir)))
		}
		if err != nil {
			return badInput(err)
		}
		if file == "" {
			file = log.Header.File
		}
		pre = func(wf *workflows.Workflow) error { return restoreValues(wf, log.Inputs, log.Vars) }
		opts = append(opts, executor.WithResume(executor.Resume{Journal: path, Accept: accept, Rerun: rerun, Force: force}))
	}
	wf, project, err := e.loadWorkflow(file, vars, pre)
	if err != nil {
		return err
	}
	if resume == "" && !no {
		opts = append(opts, executor.WithJournal(filepath.Join(project.Dir, journal.Dir)))
	}
	ex, err := e.executorFor(project, client.options(e, project.Dir)...)
	if err != nil {
		return err
	}
	// The run id is the affinity key of the run's calls: the tools lists are fetched in the
	// run's scope, so that a server with isolation = "affinity" opens one session for both.
	runID := resume
	if runID == "" {
		runID = newRunID()
		opts = append(opts, executor.WithRunID(runID))
	}
	if err := checkStepTools(executor.WithAffinity(ctx, runID), ex, wf); err != nil {
		return err
	}
	prog := newProgress(e.stderr, wf, liveProgress(e, wf))
	report, err := ex.RunWorkflow(ctx, wf, append(opts, executor.WithProgress(prog.event))...)
	prog.close()
	switch {
	case errors.Is(err, executor.ErrWorkflowChanged):
		return badInput(err)
	case err != nil:
		return err
	}
	again := fmt.Sprintf("spine run --resume %s %s", report.RunID, file)
	switch {
	case output == "json":
		// The whole story, also of a failed or interrupted run: it is what a script reads.
		shown := report
		if !meta {
			shown = reportWithoutMeta(report)
		}
		if err := writeJSON(e.stdout, runJSON{RunReport: shown, Stats: ex.Stats()}); err != nil {
			return err
		}
	case report.OK:
		// Results only: a failed run's story is on stderr, so stdout stays safe to consume.
		printOutputs(e, wf, report)
	}
	switch {
	case ctx.Err() != nil:
		if !no {
			fmt.Fprintf(e.stderr, "spine run: run %s interrupted; continue it with: %s\n", report.RunID, again)
		}
		return ctx.Err() // exit 130
	case !report.OK:
		fmt.Fprintf(e.stderr, "spine run: workflow %q failed: %s\n", report.Workflow, report.Error)
		if !no {
			fmt.Fprintf(e.stderr, "spine run: run %s; once the cause is fixed, continue it with: %s\n", report.RunID, again)
		}
		return errReported
	}
	return nil
}

// restoreValues gives a resumed run the inputs and vars its last process ran with (the
// command line's --var still override them). Numbers come back from JSON as float64: a var
// whose default is an integer gets an integer again.
func restoreValues(wf *workflows.Workflow, inputValues, vars map[string]any) error {
	for k, v := range vars {
		if f, ok := v.(float64); ok {
			if _, isInt := wf.Vars[k].(int64); isInt && f == float64(int64(f)) {
				v = int64(f)
			}
		}
		wf.Vars[k] = v
	}
	inputs := map[string]any{}
	for k, v := range inputValues {
		if _, ok := wf.Input(k); ok { // an input the file no longer has is dropped
			inputs[k] = v
		}
	}
	return workflows.SetInputs(wf, inputs)
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// printSchema prints the JSON Schema of a workflow's inputs: what --var must give.
func printSchema(e *env, file string) error {
	data, err := workflows.ReadFile(file)
	if err != nil {
		return badInput(err)
	}
	wf, err := workflows.Parse(file, data)
	if err != nil {
		return badInput(err)
	}
	return writeJSON(e.stdout, wf.InputSchema())
}

// loadWorkflow reads, parses and checks a workflow file against the project with the file's
// inline servers merged in. Every problem is bad input (exit 2), found before anything runs.
//
// pre, when set, is applied to the parsed workflow before the --var values.
func (e *env) loadWorkflow(file string, vars varFlags, pre func(*workflows.Workflow) error) (*workflows.Workflow, *capability.Project, error) {
	data, err := workflows.ReadFile(file) // at most workflows.MaxFileSize bytes, whatever the file
	if err != nil {
		return nil, nil, badInput(err)
	}
	wf, err := workflows.Parse(file, data)
	if err != nil {
		return nil, nil, badInput(err)
	}
	if pre != nil {
		if err := pre(wf); err != nil {
			return nil, nil, badInput(err)
		}
	}
	if err := workflows.ApplyVars(wf, vars); err != nil {
		return nil, nil, badInput(err)
	}
	base, err := e.projectAsWritten()
	if err != nil {
		return nil, nil, err
	}
	project, err := base.MergeTOML(file, data)
	if err != nil {
		return nil, nil, badInput(err)
	}
	resolveSelf(project) // the project's servers and the workflow's
	if err := wf.Validate(project.Names()); err != nil {
		return nil, nil, badInput(err)
	}
	for _, s := range wf.Steps {
		if spec, _ := project.Server(s.Server); !spec.Enabled {
			return nil, nil, badInput(&workflows.Error{File: file, Line: s.Line, Step: s.ID, Key: "server",
				Msg: fmt.Sprintf("server %q is disabled (enabled = false in %s)", s.Server, spec.Source)})
		}
	}
	return wf, project, nil
}

// checkStepTools refuses a workflow whose tool step names a tool its server does not have
// (exit 2, before any step runs), as spine call does. The tools lists are fetched in
// parallel, one per server; a server whose list can't be had is left to the run, which
// reports it as the failure of its steps (or continues past them, as on_error says). A tool
// name with a template is known only once the step runs.
func checkStepTools(ctx context.Context, ex *executor.Executor, wf *workflows.Workflow) error {
	var servers []string
	for _, s := range wf.Steps {
		if s.Kind == workflows.KindTool && !strings.Contains(s.Target, "{{") && !slices.Contains(servers, s.Server) {
			servers = append(servers, s.Server)
		}
	}
	lists := make([][]*mcp.Tool, len(servers))
	var wg sync.WaitGroup
	for i, server := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], _ = ex.ListTools(ctx, server)
		}()
	}
	wg.Wait()
	for _, s := range wf.Steps {
		if s.Kind != workflows.KindTool || strings.Contains(s.Target, "{{") {
			continue
		}
		tools := lists[slices.Index(servers, s.Server)]
		if tools == nil {
			continue
		}
		names := make([]string, len(tools))
		for i, t := range tools {
			names[i] = t.Name
		}
		if slices.Contains(names, s.Target) {
			continue
		}
		msg := fmt.Sprintf("unknown tool %q of server %q%s", s.Target, s.Server, didYouMean(s.Target, names))
		if spec, ok := ex.Project().Server(s.Server); ok && !spec.ToolAllowed(s.Target) {
			msg = fmt.Sprintf("tool %q of server %q is disabled (enabled_tools / disabled_tools in %s)", s.Target, s.Server, spec.Source)
		}
		return badInput(&workflows.Error{File: wf.File, Line: s.Line, Step: s.ID, Key: "tool", Msg: msg})
	}
	return nil
}

// newRunID returns a random run id, as the executor makes them.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "run-" + hex.EncodeToString(b[:])
}

// liveProgress says whether to redraw a table on stderr: only on a terminal that understands
// cursor movement, and only for a table that fits on a screen (moving the cursor up past the
// top of the screen garbles it).
func liveProgress(e *env, wf *workflows.Workflow) bool {
	return isTerminal(e.stderr) && os.Getenv("TERM") != "dumb" && len(wf.Steps) < maxLiveRows
}

// maxLiveRows is the most steps the live table shows; longer workflows get one line per step.
const maxLiveRows = 40

// runJSON is the document of `spine run --output json`: the report and the pool counters.
type runJSON struct {
	*executor.RunReport
	Stats executor.Stats `json:"stats"`
}

// printOutputs prints the [outputs] as "name: value" lines in file order or, for a workflow
// without outputs, the text of its last step.
func printOutputs(e *env, wf *workflows.Workflow, report *executor.RunReport) {
	if len(wf.Outputs) == 0 {
		if last := report.Steps[len(report.Steps)-1]; last.Status == executor.StepOK {
			fmt.Fprintln(e.stdout, last.Text)
		}
		return
	}
	for _, o := range wf.Outputs {
		v, ok := report.Outputs[o.Name]
		if !ok {
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", o.Name, outputText(v))
	}
}

// outputText renders an output value for people: text as it is, anything else as JSON.
func outputText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// varFlags collects --var NAME=VALUE; a later value for a name wins.
type varFlags map[string]string

func (v varFlags) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		parts = append(parts, k+"="+v[k])
	}
	return strings.Join(parts, " ")
}

func (v varFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, not %q", s)
	}
	v[name] = value
	return nil
}
