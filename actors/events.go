package actors

import (
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
)

// EventKind names a pool or lifecycle event.
type EventKind string

// The events a server actor reports through its EventHook.
const (
	EventSessionOpened   EventKind = "session_opened"    // handshake done; Duration = handshake time
	EventSessionClosed   EventKind = "session_closed"    // closed on purpose (idle, recycled, teardown); Reason says which
	EventSessionLost     EventKind = "session_lost"      // died: process exit, dead connection, failed probe
	EventConnectFailed   EventKind = "connect_failed"    // spawn, dial or handshake failed
	EventBackoff         EventKind = "backoff"           // a replacement session is opened after Duration
	EventCircuitOpened   EventKind = "circuit_opened"    // calls fail fast for Duration
	EventCircuitClosed   EventKind = "circuit_closed"    // a probe connect succeeded
	EventHealthFailed    EventKind = "health_failed"     // an idle session failed its probe and is replaced
	EventRecycled        EventKind = "recycled"          // a session past max_lifetime is drained and replaced
	EventListChanged     EventKind = "list_changed"      // the server said its tools/resources/prompts changed; Reason says which
	EventSessionRestart  EventKind = "session_restart"   // a session actor is restarted after a panic
	EventSessionStarted  EventKind = "session_started"   // a session actor is spawned and connects; Reason "restart" when it replaces a lost session
	EventSessionEnded    EventKind = "session_ended"     // a session actor has stopped, whatever stopped it: its slot is free
	EventCircuitHalfOpen EventKind = "circuit_half_open" // the circuit lets one start through to probe the server
)

// Event is one thing that happened to a server's pool. Events are plain values, emitted once
// per happening (serverActor.emit), which also updates the server's counters from them
// (ServerStats.count); one hook receives them all (see LogEvents).
type Event struct {
	Kind     EventKind
	Server   string
	Session  uint64
	Pool     string        // the pool key: "" (shared), "identity:…" or "affinity:…"
	Duration time.Duration // handshake time, backoff delay, circuit reset, lifetime
	Reason   string
	Err      error
}

// String renders the event for people.
func (e Event) String() string {
	s := fmt.Sprintf("%s server=%s", e.Kind, e.Server)
	if e.Session != 0 {
		s += fmt.Sprintf(" session=%d", e.Session)
	}
	if e.Duration != 0 {
		s += " duration=" + e.Duration.String()
	}
	if e.Reason != "" {
		s += " reason=" + e.Reason
	}
	if e.Err != nil {
		s += " error=" + e.Err.Error()
	}
	return s
}

// EventHook receives every pool and lifecycle event. It is called from actor goroutines and
// must not block.
type EventHook func(Event)

// LogEvents returns a hook that logs each event through logger with structured fields:
// failures at warn, the rest at debug (opened/closed at info would drown a busy pool).
func LogEvents(logger zerolog.Logger) EventHook {
	return func(e Event) {
		var ev *zerolog.Event
		switch e.Kind {
		case EventSessionLost, EventConnectFailed, EventCircuitOpened, EventHealthFailed, EventSessionRestart:
			ev = logger.Warn()
		case EventCircuitClosed:
			ev = logger.Info()
		case EventSessionStarted, EventSessionEnded, EventCircuitHalfOpen:
			ev = logger.Trace() // the steps of every session's life: a busy pool has many
		default:
			ev = logger.Debug()
		}
		ev.EmbedObject(e).Msg(string(e.Kind))
	}
}

// MarshalZerologObject writes the event's structured fields (event, server, and session,
// pool, duration, reason and error when set) to a log line: logger.Warn().EmbedObject(e).
func (e Event) MarshalZerologObject(ev *zerolog.Event) {
	ev.Str("event", string(e.Kind)).Str("server", e.Server)
	if e.Session != 0 {
		ev.Uint64("session", e.Session)
	}
	if e.Pool != "" {
		ev.Str("pool", e.Pool)
	}
	if e.Duration != 0 {
		ev.Dur("duration", e.Duration)
	}
	if e.Reason != "" {
		ev.Str("reason", e.Reason)
	}
	if e.Err != nil {
		ev.Err(e.Err)
	}
}

// redactEvents returns hook behind a filter that removes spec's secrets (see redact) from
// every event's error and reason, so that no hook — logs included — ever sees one.
func redactEvents(spec *capability.ServerSpec, hook EventHook) EventHook {
	return func(e Event) {
		e.Err = redact(spec, e.Err)
		if e.Reason != "" {
			e.Reason, _ = redactString(secretsOf(spec), capability.RedactURLs(e.Reason))
		}
		hook(e)
	}
}

// emit is the one way a happening leaves a server actor: the server's counters are updated
// from the event, then the hook (logging, and the program's hook after it) receives it.
func (s *serverActor) emit(e Event) {
	s.stats.count(e)
	s.events(e)
}
