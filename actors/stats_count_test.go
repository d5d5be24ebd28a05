package actors

import "testing"

// The lifecycle counters follow the events, one emit per happening.
func TestStatsCountEvents(t *testing.T) {
	var s ServerStats
	for _, e := range []Event{
		{Kind: EventSessionStarted},
		{Kind: EventSessionStarted, Reason: "restart"},
		{Kind: EventSessionOpened},
		{Kind: EventSessionEnded},
		{Kind: EventCircuitOpened},
		{Kind: EventCircuitHalfOpen},
	} {
		s.count(e)
	}
	got := s.Snapshot()
	// Sessions created and closed are upstream sessions, not events (upstream.go).
	if got.SessionsCreated != 0 || got.Restarts != 1 || got.SessionsClosed != 0 || got.Circuit != "half_open" {
		t.Errorf("created %d, restarts %d, closed %d, circuit %q; want 0, 1, 0, half_open",
			got.SessionsCreated, got.Restarts, got.SessionsClosed, got.Circuit)
	}
	s.count(Event{Kind: EventCircuitClosed})
	if c := s.Snapshot().Circuit; c != "closed" {
		t.Errorf("circuit %q after circuit_closed, want closed", c)
	}
}
