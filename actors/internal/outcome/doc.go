// Package outcome holds what a failed operation is as data — its class (did it run?), its
// reason, the sentinel errors it matches — and the one retry policy over it (MayRetry).
//
// It sits below both the server actor and the pool state machine (actors/internal/pool), so
// that each decision is made in one place and used by both; package actors re-exports its
// names. docs/design.md, "Outcomes".
//
//	f := outcome.New(outcome.ClassNotSent, outcome.ReasonSessionLost, err)
//	if outcome.MayRetry(f, false) { /* run it again on a fresh session */ }
package outcome
