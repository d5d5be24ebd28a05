package demoserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Version is the version the demo server reports in its implementation info.
const Version = "0.1.0"

// Name is the implementation name the demo server reports to clients.
const Name = "spine-demo"

// CrashExitCode is the status the process exits with when the crash tool is
// called. It is distinct from 0, 1 and 2 so that a test can tell a requested
// crash from an ordinary failure.
const CrashExitCode = 3

// ReadmeURI is the URI of the demo server's one resource.
const ReadmeURI = "demo://readme"

// Options configures a demo server. The zero value is ready to use.
type Options struct {
	// Greeting is woven into the server's instructions and its readme resource,
	// so that a client can tell which configuration it reached.
	// If empty, the DEMO_GREETING environment variable is used, and if that is
	// empty too, "hello".
	Greeting string

	// Stderr receives diagnostics: a line when the crash tool ends the process,
	// and warnings from the MCP SDK and the HTTP server. Nothing is ever
	// written to stdout but protocol frames.
	// If nil, diagnostics are discarded (io.Discard).
	Stderr io.Writer

	// Stateless makes ServeHTTP serve every request on its own, with no MCP session (go-sdk's
	// stateless streamable handler): it speaks the sessionless 2026-07-28 protocol as well as
	// 2025-11-25, but can send a 2025-11-25 client no request of its own (ask, sample and
	// roots fail there, and no list change reaches such a client). Stdio ignores it.
	// If false, every HTTP client gets a session (2025-11-25 only).
	Stateless bool

	// ListTTL is the ttlMs the server puts on its lists and reads for 2026-07-28 clients: how
	// long they may keep them. If zero, 0 (they should not keep them).
	ListTTL time.Duration

	// ListenFor ends every subscriptions/listen stream (2026-07-28) this long after it was
	// opened, as a server or a proxy that bounds its streams does: a client that wants the
	// news must open another. If zero, streams stay open until the client ends them.
	ListenFor time.Duration

	// PrivateLists marks lists and reads cacheScope "private": a client may keep them only
	// for the user who asked. If false, "public".
	PrivateLists bool

	// Exit ends the process when the crash tool is called, with
	// [CrashExitCode]. Tests replace it to observe the call.
	// If nil, os.Exit.
	Exit func(code int)
}

// withDefaults fills in every unset field of o; it is the one place where the
// defaults documented on [Options] are decided.
func (o Options) withDefaults() Options {
	if o.Greeting == "" {
		o.Greeting = os.Getenv("DEMO_GREETING")
	}
	if o.Greeting == "" {
		o.Greeting = "hello"
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Exit == nil {
		o.Exit = os.Exit
	}
	return o
}

// logger routes the SDK's own logging to Stderr, keeping only what a person
// running the demo server would want to see.
func (o Options) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// New returns a fresh demo server with its tools, its readme resource and its
// summarize prompt. Each call returns an independent server: tools added by
// grow and counter state belong to the server they were made on.
//
// Connect it to any transport with [mcp.Server.Connect], or use [ServeStdio]
// or [ServeHTTP], which also end in-flight calls when their context ends.
func New(opts Options) *mcp.Server {
	opts = opts.withDefaults()
	s := mcp.NewServer(&mcp.Implementation{
		Name:    Name,
		Title:   "SPINE demo server",
		Version: Version,
	}, &mcp.ServerOptions{
		Instructions: instructions(opts.Greeting),
		Logger:       opts.logger(),
		SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) {
			c.TTLMs = int(opts.ListTTL.Milliseconds())
			if opts.PrivateLists {
				c.CacheScope = "private"
			}
		},
	})
	if opts.ListenFor > 0 {
		s.AddReceivingMiddleware(endListensAfter(opts.ListenFor))
	}
	addTools(s, opts)
	addReadme(s, opts.Greeting)
	addSummarizePrompt(s)
	return s
}

func instructions(greeting string) string {
	return fmt.Sprintf("spine-demo is the demo MCP server shipped inside the spine binary; "+
		"it greets you with %q. Its tools exist to exercise MCP clients: echo, add and counter "+
		"answer at once, sleep and hang test deadlines and cancellation, fail returns a tool error, "+
		"crash ends the server process, grow adds tools while the server runs, and ask, sample and "+
		"roots ask the client for an answer, a completion or its roots. "+
		"Read %s for details.", greeting, ReadmeURI)
}

func addReadme(s *mcp.Server, greeting string) {
	s.AddResource(&mcp.Resource{
		URI:         ReadmeURI,
		Name:        "readme",
		Title:       "About the demo server",
		Description: "What the demo server is for and what it offers.",
		MIMEType:    "text/markdown",
	}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
			URI:      ReadmeURI,
			MIMEType: "text/markdown",
			Text:     readme(greeting),
		}}}, nil
	})
}

func readme(greeting string) string {
	return fmt.Sprintf(`# spine-demo %s

%s! This is the demo MCP server that ships inside the spine binary
(`+"`spine demo-server`"+`), so that SPINE's quick start and tests need nothing but Go.

## Tools

- echo {text}: returns text unchanged.
- add {a, b}: returns a + b, as text and as structured content {"sum": ...}.
- sleep {ms}: waits ms milliseconds, or until the call is cancelled.
- fail {message}: returns a tool error carrying message.
- crash: ends the server process at once (exit status %d).
- hang: never answers; returns only when the call is cancelled.
- counter: counts 1, 2, 3... within one MCP session.
- grow: adds a tool grown_1, grown_2... and notifies clients that the tool list changed.
- ask {question}: asks the client's user (elicitation) and answers with what they said.
- sample {prompt}: asks the client's model (sampling) and answers with what it said.
- roots: asks the client for its roots and answers with their URIs.

## Prompts

- summarize {topic}: asks for a summary of what is known about topic.
`, Version, greeting, CrashExitCode)
}

func addSummarizePrompt(s *mcp.Server) {
	s.AddPrompt(&mcp.Prompt{
		Name:        "summarize",
		Title:       "Summarize a topic",
		Description: "Asks the model to summarize what is known about a topic.",
		Arguments: []*mcp.PromptArgument{{
			Name:        "topic",
			Title:       "Topic",
			Description: "The subject to summarize.",
			Required:    true,
		}},
	}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		topic := req.Params.Arguments["topic"]
		if topic == "" {
			return nil, &jsonrpc.Error{
				Code:    jsonrpc.CodeInvalidParams,
				Message: `prompt "summarize": missing required argument "topic"`,
			}
		}
		return &mcp.GetPromptResult{
			Description: "Summary of " + topic,
			Messages: []*mcp.PromptMessage{{
				Role:    "user",
				Content: &mcp.TextContent{Text: "Summarize what is known about " + topic + "."},
			}},
		}, nil
	})
}
