// Package pool is the pool of one upstream server as a pure, single-threaded state machine:
// every decision over its sessions — which session takes a call, when to open another, when
// a waiting call gives up, whether a failed call runs again, how long to wait before
// replacing a failing session, when the circuit opens, which idle session is probed,
// recycled or closed, how a drain ends, and which pool keys are kept — made in one place
// that a table test can drive with a fake clock.
//
// Inputs come in as method calls (Arrive, Done, Ready, Lost, Fire, Drain, …); what they
// decide comes out as Effects (Dispatch, Spawn, Stop, Reply, Arm, …) for the caller to carry
// out. The machine starts no goroutine, does no I/O and knows nothing of actors: the server
// actor (actors/server.go) is the adapter that turns messages into inputs and effects into
// messages and timers. Outcome classes and the one retry policy come from
// actors/internal/outcome, so that the pool uses them rather than deciding again.
//
//	p := pool.New(cfg, pool.SystemClock{})
//	for _, e := range p.Arrive(pool.Call{ID: 1}) {
//		switch e.Kind {
//		case pool.Spawn: // open session e.Session
//		case pool.Arm:   // fire p.Fire(e.Timer) after e.After
//		}
//	}
//
// docs/design.md, "The pool state machine".
package pool
