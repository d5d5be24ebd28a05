package pool

import (
	"time"
)

type circuitState uint8

const (
	circuitClosed circuitState = iota
	circuitOpen
	circuitHalfOpen
)

func (c circuitState) String() string { return [...]string{"closed", "open", "half_open"}[c] }

// circuit is a server's breaker over connect failures: threshold consecutive failures open it;
// after reset one probe connect (half-open) decides whether it closes or opens again.
type circuit struct {
	threshold int
	reset     time.Duration

	state     circuitState
	failures  int
	openUntil time.Time
	probing   bool
	lastErr   error
}

// allowConnect reports whether a new session may be opened now; in half-open state only one.
func (c *circuit) allowConnect(now time.Time) bool {
	switch c.state {
	case circuitOpen:
		if now.Before(c.openUntil) {
			return false
		}
		c.state, c.probing = circuitHalfOpen, true
		return true
	case circuitHalfOpen:
		if c.probing {
			return false
		}
		c.probing = true
		return true
	}
	return true
}

// rejects reports whether calls fail fast now.
func (c *circuit) rejects(now time.Time) bool {
	return c.state == circuitOpen && now.Before(c.openUntil)
}

// failed records a failed connect; it returns true when this opened the circuit.
func (c *circuit) failed(now time.Time, err error) bool {
	c.failures++
	c.lastErr = err
	c.probing = false
	if c.state == circuitHalfOpen || (c.threshold > 0 && c.failures >= c.threshold) {
		wasOpen := c.state == circuitOpen
		c.state, c.openUntil = circuitOpen, now.Add(c.reset)
		return !wasOpen
	}
	return false
}

// succeeded records a successful connect; it returns true when this closed an open circuit.
func (c *circuit) succeeded() bool {
	was := c.state
	c.state, c.failures, c.probing, c.lastErr = circuitClosed, 0, false, nil
	return was != circuitClosed
}
