package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// serverCheck is what `spine servers` reports for one server.
type serverCheck struct {
	Name        string  `json:"name"`
	Transport   string  `json:"transport"`
	OK          bool    `json:"ok"`
	Error       string  `json:"error,omitempty"`
	Protocol    string  `json:"protocol,omitempty"` // the MCP protocol version the handshake settled on
	Era         string  `json:"era,omitempty"`      // legacy (sessions, 2025-11-25 and older) or modern (sessionless, 2026-07-28)
	Configured  string  `json:"configured"`         // the protocol key: auto, or the version it pins
	HandshakeMs float64 `json:"handshake_ms"`
	Tools       int     `json:"tools"`
	Resources   int     `json:"resources"`
	Prompts     int     `json:"prompts"`
}

func runServers(ctx context.Context, e *env, args []string) error {
	var output string
	if _, err := e.flags(args, func(fs *flag.FlagSet) { outputFlag(fs, &output, "text", "json") }); err != nil {
		return err
	}
	if err := checkOutput(output, "text", "json"); err != nil {
		return err
	}
	p, err := e.project()
	if err != nil {
		return err
	}
	if len(p.Enabled()) == 0 {
		return noServers(p)
	}
	var mu sync.Mutex
	handshakes := map[string]time.Duration{}
	ex, err := executor.New(p, executor.WithLogger(e.log), executor.WithEventLog(logEvents(e.log)), executor.WithEvents(func(ev executor.Event) {
		if ev.Kind == executor.EventSessionOpened {
			mu.Lock()
			if _, seen := handshakes[ev.Server]; !seen {
				handshakes[ev.Server] = ev.Duration
			}
			mu.Unlock()
		}
	}))
	if err != nil {
		return err
	}
	e.own(ex)

	checks := make([]serverCheck, 0, len(p.Servers))
	for _, s := range p.Enabled() {
		checks = append(checks, serverCheck{Name: s.Name, Transport: string(s.Transport), Configured: s.Protocol})
	}
	var wg sync.WaitGroup
	for i := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &checks[i]
			tools, err := ex.ListTools(ctx, c.Name)
			if err != nil {
				c.Error = err.Error()
				return
			}
			c.OK, c.Tools = true, len(tools)
			if info, err := ex.ServerInfo(ctx, c.Name); err == nil && info != nil {
				c.Protocol, c.Era = info.ProtocolVersion, string(capability.EraOf(info.ProtocolVersion))
			}
			// Resources and prompts are optional capabilities: a server without them has none.
			if res, err := ex.ListResources(ctx, c.Name); err == nil {
				c.Resources = len(res)
			}
			if pr, err := ex.ListPrompts(ctx, c.Name); err == nil {
				c.Prompts = len(pr)
			}
		}()
	}
	wg.Wait()
	failed := false
	for i := range checks {
		checks[i].HandshakeMs = float64(handshakes[checks[i].Name].Microseconds()) / 1000
		failed = failed || !checks[i].OK
	}
	if output == "json" {
		if err := writeJSON(e.stdout, map[string]any{"servers": checks}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVER\tTRANSPORT\tSTATUS\tERA\tPROTOCOL\tHANDSHAKE\tTOOLS\tRESOURCES\tPROMPTS")
		for _, c := range checks {
			if c.OK {
				fmt.Fprintf(tw, "%s\t%s\tok\t%s\t%s\t%.1fms\t%d\t%d\t%d\n", c.Name, c.Transport, orDash(c.Era), protocolShown(c), c.HandshakeMs,
					c.Tools, c.Resources, c.Prompts)
			} else {
				fmt.Fprintf(tw, "%s\t%s\tfailed\t-\t-\t-\t-\t-\t-\n", c.Name, c.Transport)
			}
		}
		tw.Flush()
		for _, c := range checks {
			if !c.OK {
				fmt.Fprintf(e.stderr, "%s: %s\n", c.Name, c.Error)
			}
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// protocolShown is the negotiated version, and what the config asked for when it probed:
// "auto:2026-07-28".
func protocolShown(c serverCheck) string {
	if c.Configured == capability.ProtocolAuto && c.Protocol != "" {
		return "auto:" + c.Protocol
	}
	return orDash(c.Protocol)
}

// orDash shows an unknown value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
