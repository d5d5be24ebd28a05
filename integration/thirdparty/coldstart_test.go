package thirdparty

import (
	"slices"
	"testing"
	"time"
)

// TestColdStart measures, for the README, what a session costs to open for server-everything
// (spawn + handshake, plus the tools/list SPINE sends on a server's first session to learn
// the tools' annotations) against a call on the warm session. It logs the figures and
// asserts nothing about them: they depend on the machine (and on -race).
func TestColdStart(t *testing.T) {
	requireServers(t)
	const warmCalls = 200
	for _, l := range launches {
		t.Run(string(l), func(t *testing.T) {
			ex := start(t, serverSpec(t, l, "everything", everything))
			ctx := testContext(t)

			began := time.Now()
			if _, err := ex.ServerInfo(ctx, "everything"); err != nil { // opens the session
				t.Fatalf("ServerInfo: %v", err)
			}
			cold := time.Since(began)

			args := map[string]any{"message": "warm"}
			call(ctx, t, ex, "everything", "echo", args)
			warm := make([]time.Duration, warmCalls)
			for i := range warm {
				began := time.Now()
				call(ctx, t, ex, "everything", "echo", args)
				warm[i] = time.Since(began)
			}
			slices.Sort(warm)
			p50, p99 := warm[len(warm)/2], warm[len(warm)*99/100]
			t.Logf("%s: cold start (spawn + handshake + tools/list) %s; warm echo p50 %s, p99 %s over %d calls; cold/warm p50 = %.0fx",
				l, cold.Round(time.Millisecond), p50.Round(time.Microsecond), p99.Round(time.Microsecond), warmCalls,
				float64(cold)/float64(p50))
			if st := ex.Stats().Servers["everything"]; st.SessionsCreated != 1 || st.Hits < warmCalls {
				t.Errorf("stats = %+v, want every warm call served by the one session", st)
			}
		})
	}
}
