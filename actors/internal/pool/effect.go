package pool

import (
	"fmt"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Kind names what an Effect asks of the adapter, or what it reports.
type Kind uint8

// The effects.
const (
	// Dispatch: run call Call on session Session (attempt Attempt). Wait is how long it
	// waited; Miss says a session was opened for it.
	Dispatch Kind = iota + 1
	// Grant: the batch reservation Call holds session Session until Unpin.
	Grant
	// Reply: answer call Call — with Failure, or its result when Failure is nil — and forget it.
	Reply
	// CancelCall: cancel call Call in flight on session Session (its answer follows as Done).
	CancelCall
	// Spawn: open session Session for key Key, sending Headers with its own requests.
	// Restart says it replaces a failed one.
	Spawn
	// Stop: stop session Session (Reason says why; empty when Lost already said it).
	Stop
	// Probe: health-check idle session Session; Suspect says a call timed out on it.
	Probe
	// Arm: fire Timer after After (replacing one armed before); Disarm: forget it.
	Arm
	Disarm
	// Drained: the drain is over (Cancelled calls were cancelled at its deadline).
	Drained

	// What happened, for events and stats.
	Opened        // session Session (key Key) is ready
	Closed        // session Session closed on purpose (Reason)
	Lost          // session Session died (Err)
	ConnectFailed // session Session did not start (Err)
	Restarted     // session Session's actor stopped outside the pool's decisions
	Recycled      // session Session reached max_lifetime (After: its age)
	HealthFailed  // session Session failed its probe (Err)
	BackingOff    // key Key opens its next session after After
	CircuitOpened // (Err: the last failure; After: circuit_reset)
	CircuitClosed //
	CircuitHalfOpen
)

// Effect is one thing the machine decided. Only the fields its Kind names are set.
type Effect struct {
	Kind    Kind
	Call    uint64
	Data    any // the call's Data, for Dispatch, Grant and Reply
	Session uint64
	Key     string
	Attempt int
	Failure *outcome.Failure
	Timer   Timer
	After   time.Duration
	Wait    time.Duration
	Miss    bool
	Restart bool
	Suspect bool
	Reason  string
	Err     error
	Headers map[string][]string
	Count   int
}

// TimerKind names what a timer is for.
type TimerKind uint8

// The timers.
const (
	AcquireTimer TimerKind = iota + 1 // Call's acquire_timeout (or its deadline) while queued
	RetryTimer                        // Call's retry backoff is over
	RespawnTimer                      // Key's restart backoff is over
	TickTimer                         // maintenance
	DrainTimer                        // the drain deadline
)

// Timer names one timer; it is comparable, so that an adapter can keep its timers in a map.
type Timer struct {
	Kind TimerKind
	Call uint64
	Key  string
}

var kindNames = [...]string{"", "dispatch", "grant", "reply", "cancel_call", "spawn", "stop", "probe", "arm", "disarm",
	"drained", "opened", "closed", "lost", "connect_failed", "restarted", "recycled", "health_failed", "backing_off",
	"circuit_opened", "circuit_closed", "circuit_half_open"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

var timerNames = [...]string{"", "acquire", "retry", "respawn", "tick", "drain"}

func (k TimerKind) String() string {
	if int(k) < len(timerNames) {
		return timerNames[k]
	}
	return fmt.Sprintf("timer(%d)", k)
}
