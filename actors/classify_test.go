package actors

import (
	"context"
	"testing"
	"time"
)

// A caller that gives up at its deadline cancels its call just as the call's own deadline
// (the same instant) passes: the call timed out either way, and its session must become
// suspect rather than pass for cancelled by choice.
func TestClassifyCancelAtDeadlineIsTimeout(t *testing.T) {
	deadline := time.Now().Add(5 * time.Millisecond)
	atDeadline, cancel := context.WithDeadline(context.Background(), deadline)
	cancel() // cancelled (context.Canceled) before its deadline timer fires...
	early, cancelEarly := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	cancelEarly()

	if got := classify(early, early.Err(), false); got != classCanceled {
		t.Errorf("cancelled an hour before its deadline: %s, want %s", got, classCanceled)
	}
	time.Sleep(time.Until(deadline)) // ...and classified once the clock has passed it
	if atDeadline.Err() != context.Canceled {
		t.Fatalf("ctx.Err() = %v, want context.Canceled", atDeadline.Err())
	}
	if got := classify(atDeadline, atDeadline.Err(), false); got != classTimeout {
		t.Errorf("cancelled at its deadline: %s, want %s", got, classTimeout)
	}
}
