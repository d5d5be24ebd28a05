package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes, as documented in the README.
const (
	exitOK          = 0
	exitFailed      = 1   // a call, step or server failed (including a tool result with isError)
	exitUsage       = 2   // bad usage, config or workflow: nothing was run
	exitInterrupted = 130 // SIGINT, SIGTERM, SIGHUP or SIGQUIT
)

// command is one `spine` subcommand.
type command struct {
	name    string
	usage   string // the synopsis line after "spine "
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"run", "run WORKFLOW.toml [--var k=v]... [--output text|json] [--meta] [--no-journal] [--roots] | run --resume RUN_ID [WORKFLOW.toml] [--accept STEP]... [--rerun STEP]... [--force] | run --schema WORKFLOW.toml", "run a workflow of tool calls, resource reads and prompt fetches", runRun},
		{"runs", "runs [--limit N] [--output text|json]", "list recent workflow runs: ok, failed, interrupted (resumable) or running", runRuns},
		{"call", "call SERVER TOOL [--args JSON] [k=v]... [--timeout D] [--output text|json] [--meta] [--roots]", "call one tool and print its result", runCall},
		{"tools", "tools [SERVER] [--output text|json] [--meta]", "list the tools of one or every server", runList("tools")},
		{"resources", "resources [SERVER] [--output text|json] [--meta]", "list resources and resource templates", runList("resources")},
		{"prompts", "prompts [SERVER] [--output text|json] [--meta]", "list prompts", runList("prompts")},
		{"servers", "servers [--output text|json]", "connect each server: ok or failed, handshake time, counts", runServers},
		{"bench", "bench SERVER TOOL [--args JSON] [k=v]... [--calls N] [--cold-calls N]\n" +
			"                   [--concurrency C] [--sessions S] [--inflight I] [--rounds R]\n" +
			"                   [--modes cold,raw,pooled,pooled-concurrent] [--sweep-sessions LIST]\n" +
			"                   [--sweep-inflight LIST] [--sweep-time D] [--eras] [--output text|json]",
			"measure cold, raw, pooled and concurrent calls of one tool, interleaved; suggest a pool size", runBench},
		{"describe", "describe [SERVER...|--server NAME] [--mode standalone|delegated] [--output markdown|json] [--out DIR | --compose | --scaffold DIR [--force]]", "write the 4-layer self-description of one or every server", runDescribe},
		{"describe-builder", "describe-builder", "serve the self-description builder over stdio (for describe --mode delegated)", runDescribeBuilder},
		{"serve", "serve [--http ADDR] [--stdio] [--workflows GLOB]... [--print-names [--output text|json]]", "serve every enabled server as one MCP server, over stdio and/or streamable HTTP", runServe},
		{"demo-server", "demo-server [--http 127.0.0.1:PORT [--stateless]] [--list-ttl D] [--listen-for D]", "serve the shipped demo MCP server (stdio by default)", runDemoServer},
		{"version", "version", "print SPINE's version", runVersion},
		{"help", "help [COMMAND]", "print this usage, or a command's usage and flags", runHelp},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole CLI, separated from main for tests: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupts := watchInterrupts(cancel, stderr)
	defer interrupts.stop()

	g, rest, err := parseGlobal(args)
	switch {
	case errors.Is(err, flag.ErrHelp): // spine -h, spine --help
		usage(stdout)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "spine: %v\n%s", err, helpHint)
		return exitUsage
	case len(rest) == 0:
		usage(stderr)
		return exitUsage
	}
	c, ok := lookup(rest[0])
	if !ok {
		fmt.Fprintf(stderr, "spine: %v\n%s", unknownCommand(rest[0]), helpHint)
		return exitUsage
	}
	e := &env{global: g, stdout: stdout, stderr: stderr, cmd: c, interrupts: interrupts}
	defer e.close()
	err = c.run(ctx, e, rest[1:])
	return e.exitCode(ctx, err)
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// helpHint follows a usage error that is not about one command.
const helpHint = "Run 'spine help' for the commands and global flags.\n"

// unknownCommand says that name is not a command, suggesting the closest one.
func unknownCommand(name string) error {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return fmt.Errorf("unknown command %q%s", name, didYouMean(name, names))
}

// exitCode maps an outcome to the documented exit codes and reports the error on stderr.
func (e *env) exitCode(ctx context.Context, err error) int {
	var u *usageError
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(e.stderr, "spine: interrupted")
		return exitInterrupted
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &u):
		fmt.Fprintf(e.stderr, "spine %s: %v\n", e.cmd.name, u.err)
		if u.showUsage {
			fmt.Fprintf(e.stderr, "usage: spine %s\n", e.cmd.usage)
		}
		return exitUsage
	case errors.Is(err, errReported):
		return exitFailed
	default:
		fmt.Fprintf(e.stderr, "spine %s: %v\n", e.cmd.name, err)
		return exitFailed
	}
}

// usageError is bad usage, config or workflow: exit 2, nothing was run.
type usageError struct {
	err       error
	showUsage bool
}

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func badUsage(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...), showUsage: true}
}

func badInput(err error) error { return &usageError{err: err} }

// errHelp means --help was asked for and printed.
var errHelp = errors.New("help requested")

// errReported means the failure was already printed (e.g. a tool result with isError).
var errReported = errors.New("failed")
