package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// Every command refuses an unknown server or tool the same way, before anything is called:
// exit 2 (bad usage), with the closest name as a suggestion.

// noServers is the error of a command that needs servers in a project that has none.
func noServers(p *capability.Project) error {
	return badInput(fmt.Errorf("no servers configured in %s (add [servers.NAME] to spine.toml, or a .mcp.json)", p.Dir))
}

// enabledServers returns the names of p's enabled servers, in config order.
func enabledServers(p *capability.Project) []string {
	var names []string
	for _, s := range p.Enabled() {
		names = append(names, s.Name)
	}
	return names
}

// checkServer refuses a server name that p does not configure, or configures disabled.
func checkServer(p *capability.Project, name string) error {
	spec, ok := p.Server(name)
	switch {
	case !ok:
		enabled := enabledServers(p)
		if len(enabled) == 0 {
			return noServers(p)
		}
		if hint := didYouMean(name, enabled); hint != "" {
			return badInput(fmt.Errorf("unknown server %q%s", name, hint))
		}
		return badInput(fmt.Errorf("unknown server %q (configured and enabled: %s)", name, strings.Join(enabled, ", ")))
	case !spec.Enabled:
		return badInput(fmt.Errorf("server %q is disabled (enabled = false in %s)", name, spec.Source))
	}
	return nil
}

// lookupTool finds tool in server's tools list (cached by the executor). A tool that is not
// there is refused as bad usage, with a suggestion. When the list can't be had because the
// server answered tools/list with an error, the tool is unknown but not refused: it returns
// nil and no error, and the call decides. Any other failure (the server can't be started or
// reached) is returned as it is.
func lookupTool(ctx context.Context, ex *executor.Executor, server, tool string) (*mcp.Tool, error) {
	tools, err := ex.ListTools(ctx, server)
	if err != nil {
		var ce *executor.CallError
		switch {
		case errors.Is(err, executor.ErrUnknownServer):
			return nil, badInput(err)
		case errors.As(err, &ce) && ce.Class == executor.ClassProtocol:
			return nil, nil
		case errors.As(err, &ce) && (ce.Class == executor.ClassNotSent || ce.Class == executor.ClassRefused):
			// Nothing reached the server (it could not be started or reached, say): the call
			// would have failed alike, and is what the user asked for.
			asCall := *ce
			asCall.Op, asCall.Tool = executor.OpCallTool, tool
			return nil, &asCall
		}
		return nil, err
	}
	names := make([]string, 0, len(tools))
	for _, t := range tools {
		if t.Name == tool {
			return t, nil
		}
		names = append(names, t.Name)
	}
	if spec, ok := ex.Project().Server(server); ok && !spec.ToolAllowed(tool) {
		return nil, badInput(fmt.Errorf("tool %q of server %q is disabled (enabled_tools / disabled_tools in %s)", tool, server, spec.Source))
	}
	if hint := didYouMean(tool, names); hint != "" {
		return nil, badInput(fmt.Errorf("unknown tool %q%s", tool, hint))
	}
	return nil, badInput(fmt.Errorf("unknown tool %q (server %q has %d tools; spine tools %s lists them)", tool, server, len(tools), server))
}

// logEvents logs the runtime's events as executor.LogEvents does, except that a failed connect
// and a lost session are logged at debug level: when they fail a command, the command says so
// itself, once, in words (spine CMD: ...), and when a retry recovers from them, the command's
// result is what counts. Restarts, circuits opening and failed health checks stay warnings.
func logEvents(log zerolog.Logger) executor.EventHook {
	logged := executor.LogEvents(log)
	return func(e executor.Event) {
		if e.Kind != executor.EventConnectFailed && e.Kind != executor.EventSessionLost {
			logged(e)
			return
		}
		log.Debug().EmbedObject(e).Msg(string(e.Kind))
	}
}
