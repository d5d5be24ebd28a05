package executor

import "github.com/spine-mcp/spine/actors"

// Event is one thing that happened to a server's pool (see WithEvents): a session opened,
// closed or lost, a backoff, the circuit, a list change. Pool is the pool key: "" (shared),
// "identity:…" or "affinity:…" followed by the key of WithIdentity or WithAffinity.
type Event = actors.Event

// EventKind names an Event.
type EventKind = actors.EventKind

// The events WithEvents receives.
const (
	EventSessionOpened = actors.EventSessionOpened // handshake done
	EventSessionClosed = actors.EventSessionClosed // closed on purpose; Reason says why
	EventSessionLost   = actors.EventSessionLost   // died: process exit, dead connection
	EventHealthFailed  = actors.EventHealthFailed  // an idle session failed its probe and is replaced
	EventRecycled      = actors.EventRecycled      // a session past max_lifetime is replaced
	EventListChanged   = actors.EventListChanged   // the server's lists changed; Reason says which
)
