package executor

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/actors"
)

// EventKind names a pool or lifecycle event.
type EventKind string

// The events of a server's pool (WithEvents).
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

// Event is one thing that happened to a server's pool: a plain value, with the server's
// secrets redacted from Reason and Err.
type Event struct {
	Kind     EventKind
	Server   string
	Session  uint64        // the session's id within its server; 0 when none
	Pool     string        // the pool key: "" (shared), "identity:…" or "affinity:…"
	Duration time.Duration // handshake time, backoff delay, circuit reset, lifetime
	Reason   string
	Err      error
}

// String renders the event for people.
func (e Event) String() string { return e.actors().String() }

// MarshalZerologObject writes the event's structured fields (event, server, and session,
// pool, duration, reason and error when set), the ones LogEvents writes, to a log line:
// logger.Debug().EmbedObject(e).Msg(string(e.Kind)).
func (e Event) MarshalZerologObject(ev *zerolog.Event) { e.actors().MarshalZerologObject(ev) }

// EventHook receives pool and lifecycle events. It is called from the actors' goroutines and
// must not block.
type EventHook func(Event)

// LogEvents returns the hook that logs events by default: through logger with structured
// fields, failures at warn, the rest at debug. A WithEventLog hook may call it for the events
// it does not log itself.
func LogEvents(logger zerolog.Logger) EventHook {
	logged := actors.LogEvents(logger)
	return func(e Event) { logged(e.actors()) }
}

// eventOf converts the runtime's event; the kinds are the same strings.
func eventOf(e actors.Event) Event {
	return Event{Kind: EventKind(e.Kind), Server: e.Server, Session: e.Session, Pool: e.Pool,
		Duration: e.Duration, Reason: e.Reason, Err: e.Err}
}

func (e Event) actors() actors.Event {
	return actors.Event{Kind: actors.EventKind(e.Kind), Server: e.Server, Session: e.Session, Pool: e.Pool,
		Duration: e.Duration, Reason: e.Reason, Err: e.Err}
}

// hookOf gives the runtime a hook that hands its events to h; nil for none.
func hookOf(h EventHook) actors.EventHook {
	if h == nil {
		return nil
	}
	return func(e actors.Event) { h(eventOf(e)) }
}
