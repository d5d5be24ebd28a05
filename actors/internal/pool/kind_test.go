package pool

import (
	"strings"
	"testing"
)

// Every effect and timer kind has a name of its own: a new kind added without one would
// print as a number in test failures and logs.
func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := Dispatch; k <= CircuitHalfOpen; k++ {
		if n := k.String(); n == "" || seen[n] || strings.HasPrefix(n, "kind(") {
			t.Errorf("kind %d is named %q", k, n)
		}
		seen[k.String()] = true
	}
	if len(kindNames) != int(CircuitHalfOpen)+1 || len(timerNames) != int(DrainTimer)+1 {
		t.Errorf("names out of step with the kinds: %d effect names, %d timer names", len(kindNames), len(timerNames))
	}
}
