package pool

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The wait queue keeps plain calls in FIFO order through any mix of pushes, removals from
// anywhere and dispatches from the head, with its counts right and its memory following the
// calls that wait.
func TestWaitQueueKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q waitQueue
	var model []*call // the plain calls waiting, in order
	pins := 0
	id := uint64(0)
	for step := range 20000 {
		switch op := rng.IntN(10); {
		case op < 5: // a plain call arrives
			id++
			pc := &call{Call: Call{ID: id}}
			q.push(pc)
			model = append(model, pc)
		case op == 5: // a batch reservation arrives
			id++
			q.push(&call{Call: Call{ID: id}, exclusive: true})
			pins++
		case op < 8 && len(model) > 0: // one gives up (timeout, cancel)
			i := rng.IntN(len(model))
			q.remove(model[i])
			model = slices.Delete(model, i, i+1)
		case op < 10 && len(model) > 0: // the head is dispatched
			if got := q.front(); got != model[0] {
				t.Fatalf("step %d: front is call %d, want %d", step, got.ID, model[0].ID)
			}
			q.remove(model[0])
			model = model[1:]
		}
		if q.len() != len(model)+pins || q.pins != pins {
			t.Fatalf("step %d: len %d pins %d, want %d and %d", step, q.len(), q.pins, len(model)+pins, pins)
		}
	}
	var order []*call
	q.each(func(pc *call) {
		if !pc.exclusive {
			order = append(order, pc)
		}
	})
	if !slices.Equal(order, model) {
		t.Fatalf("each: %d calls out of order", len(order))
	}
	for _, pc := range model {
		q.remove(pc)
	}
	if q.front() != nil || len(q.calls) != 0 {
		t.Fatalf("emptied queue keeps %d slots", len(q.calls))
	}
}

// Every waiting call is marked a pool miss at most once, oldest first.
func TestWaitQueueMarkSpawned(t *testing.T) {
	var q waitQueue
	calls := make([]*call, 5)
	for i := range calls {
		calls[i] = &call{Call: Call{ID: uint64(i + 1)}}
		q.push(calls[i])
	}
	q.remove(calls[1])
	q.markSpawned()
	q.markSpawned()
	want := []bool{true, false, true, false, false}
	for i, pc := range calls {
		if pc.spawned != want[i] {
			t.Errorf("call %d spawned = %v, want %v", i+1, pc.spawned, want[i])
		}
	}
}
