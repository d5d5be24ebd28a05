package actors

import "testing"

// TestUpstreamCounts: sessions_created and sessions_closed count upstream sessions — one per
// session actor with a session of its own, one per shared link however many actors hold it
// (closed with the last) — and an actor that connects again gives up what it held first.
func TestUpstreamCounts(t *testing.T) {
	s := &serverActor{stats: &ServerStats{}}
	a, b := &link{}, &link{}
	for _, step := range []struct {
		do              func()
		created, closed int64
	}{
		{func() { s.upstreamOpened(1, nil) }, 1, 0},
		{func() { s.upstreamOpened(2, a) }, 2, 0},
		{func() { s.upstreamOpened(3, a) }, 2, 0},
		{func() { s.upstreamClosed(2) }, 2, 0},    // a still held by 3
		{func() { s.upstreamOpened(3, b) }, 3, 1}, // 3 connects again: a closes, b opens
		{func() { s.upstreamClosed(3) }, 3, 2},
		{func() { s.upstreamClosed(1) }, 3, 3},
		{func() { s.upstreamClosed(4) }, 3, 3}, // an actor that never connected held nothing
	} {
		step.do()
		if got := s.stats.Snapshot(); got.SessionsCreated != step.created || got.SessionsClosed != step.closed {
			t.Fatalf("created %d, closed %d; want %d, %d", got.SessionsCreated, got.SessionsClosed, step.created, step.closed)
		}
	}
}
