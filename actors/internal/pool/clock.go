package pool

import "time"

// Clock tells the machine the time. Timers are effects (Arm), not clock calls, so that a test
// decides when each one fires.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
