package executor

import "github.com/spine-mcp/spine/actors"

// The errors an Executor returns match these with errors.Is. Timeouts match
// context.DeadlineExceeded.
var (
	// ErrUnknownServer: no enabled server of that name is configured.
	ErrUnknownServer = actors.ErrUnknownServer
	// ErrPoolExhausted: no session became free within acquire_timeout.
	ErrPoolExhausted = actors.ErrPoolExhausted
	// ErrCircuitOpen: the server failed to start repeatedly; calls fail fast until circuit_reset.
	ErrCircuitOpen = actors.ErrCircuitOpen
	// ErrSessionLost: the session died during a call that may have run and is not safe to replay.
	ErrSessionLost = actors.ErrSessionLost
	// ErrClosed: the executor is closed or closing.
	ErrClosed = actors.ErrClosed
	// ErrToolDisabled: the tool is filtered out by enabled_tools / disabled_tools.
	ErrToolDisabled = actors.ErrToolDisabled
)

// Stats is a snapshot of every server's pool counters. It marshals to the JSON shape that
// every `--output json` of the CLI uses.
type Stats struct {
	Servers map[string]ServerStats `json:"servers"`
}

// ServerStats are one server's counters: sessions by state, sessions created and closed,
// restarts, calls, errors, pool hits and misses, acquire wait, circuit state, list-cache hits
// and misses.
type ServerStats = actors.StatsSnapshot
