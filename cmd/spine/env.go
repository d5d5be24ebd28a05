package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/ops"
)

// closeTimeout bounds the drain of in-flight calls when a command ends.
const closeTimeout = 5 * time.Second

// global holds the flags every command accepts.
type global struct {
	project  string
	config   string
	logLevel string
}

func (g *global) register(fs *flag.FlagSet) {
	fs.StringVar(&g.project, "project", g.project, "project directory")
	fs.StringVar(&g.config, "config", g.config, "config file")
	fs.StringVar(&g.logLevel, "log-level", g.logLevel, "debug | info | warn | error")
}

// parseGlobal reads the global flags that stand before the command.
func parseGlobal(args []string) (global, []string, error) {
	g := global{project: "."}
	fs := flag.NewFlagSet("spine", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		return g, nil, err
	}
	if err := checkLogLevel(g.logLevel); err != nil {
		return g, nil, err
	}
	return g, fs.Args(), nil
}

// logLevels are the values of --log-level, as the [log] table takes them.
var logLevels = []string{"debug", "info", "warn", "error"}

// checkLogLevel refuses a --log-level that is not one of logLevels ("" is the default).
func checkLogLevel(level string) error {
	if level == "" || slices.Contains(logLevels, strings.ToLower(level)) {
		return nil
	}
	return fmt.Errorf("--log-level %q: want one of %s", level, strings.Join(logLevels, ", "))
}

// env is what a command runs with: flags, output streams, and (once asked for) the project,
// the logger and the executor, which it closes at the end.
type env struct {
	global
	cmd    command
	stdout io.Writer
	stderr io.Writer
	log    zerolog.Logger
	ex     *executor.Executor
	tp     *sdktrace.TracerProvider // traces, when the OTEL_* variables ask for them (tracing)

	interrupts *interrupts // nil in tests that build an env by hand
}

// flags returns a flag set for the command that also accepts the global flags, and parses
// args into it, allowing flags and positional arguments in any order.
func (e *env) flags(args []string, define func(fs *flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet("spine "+e.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	e.global.register(fs)
	if define != nil {
		define(fs)
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				commandUsage(e.stdout, e.cmd)
				fmt.Fprintln(e.stdout)
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return nil, errHelp
			}
			return nil, badUsage("%v", err)
		}
		if fs.NArg() == 0 {
			if err := checkLogLevel(e.logLevel); err != nil {
				return nil, badUsage("%v", err)
			}
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// project loads the project config (exit 2 on any problem), `command = "spine"` resolved.
func (e *env) project() (*capability.Project, error) {
	p, err := e.projectAsWritten()
	if err != nil {
		return nil, err
	}
	resolveSelf(p)
	return p, nil
}

// projectAsWritten loads the project config as the files say (exit 2 on any problem): a
// workflow's servers are merged over it before `command = "spine"` is resolved, so that the
// workflow's "spine" and the project's are the same command.
func (e *env) projectAsWritten() (*capability.Project, error) {
	var (
		p   *capability.Project
		err error
	)
	if e.config != "" {
		p, err = capability.LoadFile(e.config)
	} else {
		p, err = capability.Load(e.global.project)
	}
	if err != nil {
		return nil, badInput(err)
	}
	e.log = newLogger(e.stderr, e.logLevel, p.Log)
	return p, nil
}

// resolveSelf makes `command = "spine"` mean this very binary, so that configs naming the
// shipped demo server (or the describe builder) work under `go run` and without spine on
// PATH, and never start a different version.
func resolveSelf(p *capability.Project) {
	self, err := os.Executable()
	if err != nil {
		return
	}
	for i := range p.Servers {
		if p.Servers[i].Transport == capability.TransportStdio && p.Servers[i].Command == "spine" {
			p.Servers[i].Command = self
		}
	}
}

// executor loads the project and starts an executor over it.
func (e *env) executor() (*executor.Executor, error) {
	p, err := e.project()
	if err != nil {
		return nil, err
	}
	if len(p.Enabled()) == 0 {
		return nil, noServers(p)
	}
	return e.executorFor(p)
}

func (e *env) executorFor(p *capability.Project, extra ...executor.Option) (*executor.Executor, error) {
	tp, err := e.tracing()
	if err != nil {
		return nil, err
	}
	opts := []executor.Option{executor.WithLogger(e.log), executor.WithEventLog(logEvents(e.log))}
	if tp != nil {
		opts = append(opts, executor.WithTracerProvider(tp))
	}
	ex, err := executor.New(p, append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	e.own(ex)
	return ex, nil
}

// own makes ex the executor that close (or a second Ctrl-C) closes.
func (e *env) own(ex *executor.Executor) {
	e.ex = ex
	if e.interrupts != nil {
		e.interrupts.own(ex)
	}
}

// tracing returns the TracerProvider the standard OTEL_* variables configure
// (ops.TracerProviderFromEnv), built once; nil when they ask for no traces.
func (e *env) tracing() (*sdktrace.TracerProvider, error) {
	if e.tp != nil {
		return e.tp, nil
	}
	tp, err := ops.TracerProviderFromEnv(context.Background())
	if err != nil {
		return nil, err
	}
	e.tp = tp
	return tp, nil
}

// close closes the executor: in-flight calls get closeTimeout to finish, unless a second
// Ctrl-C asked for an immediate teardown. Then the spans still buffered are sent, within
// closeTimeout too.
func (e *env) close() {
	if e.ex != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		if e.interrupts != nil && e.interrupts.hurried() {
			ctx = expired()
		}
		_ = e.ex.Close(ctx)
		cancel()
	}
	if e.tp != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		if err := e.tp.Shutdown(ctx); err != nil {
			e.log.Warn().Err(err).Msg("sending the last spans")
		}
		cancel()
	}
}

// newLogger logs to stderr: console lines on a terminal, JSON otherwise (or as [log] says).
// The level is --log-level, else [log] level, else warn, so that a plain run prints results.
func newLogger(w io.Writer, flagLevel string, cfg capability.LogConfig) zerolog.Logger {
	levelName := flagLevel
	if levelName == "" {
		levelName = cfg.Level
	}
	level, err := zerolog.ParseLevel(strings.ToLower(levelName))
	if err != nil || levelName == "" {
		level = zerolog.WarnLevel
	}
	format := cfg.Format
	if format == "" || format == "auto" {
		format = "json"
		if isTerminal(w) {
			format = "console"
		}
	}
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
