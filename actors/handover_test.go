package actors

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// A call handed to its caller (callReplies.handOver) reaches only a caller that still waits,
// leaves room for the answer beside it, and runs on its session's runners after all when the
// caller gives up before taking it: a call begun is always run, so that its outcome reaches
// the pool and its session's release, which waits for it, ends.
func TestHandOver(t *testing.T) {
	r := &callReplies{waiting: map[uint64]chan any{}, progress: map[uint64]chan *Progress{}}
	workers := newRunners(1)
	defer workers.close()
	ran := make(chan uint64, 4)
	call := func(id uint64) handed {
		return handed{run: func() { ran <- id }, cancel: func() {}, workers: workers}
	}

	if r.handOver(1, call(1)) {
		t.Fatal("handed over to nobody")
	}

	// Taken by its caller, then answered: both fit, in that order, and nothing blocks.
	ch := r.expect(2)
	if !r.handOver(2, call(2)) {
		t.Fatal("not handed over to a waiting caller")
	}
	r.SendUserMessage(nil, &Response{ID: 2})
	h, ok := (<-ch).(handed)
	if !ok {
		t.Fatal("the caller did not get its call first")
	}
	h.run()
	if m, ok := (<-ch).(*Response); !ok || m.ID != 2 {
		t.Fatalf("then %v, want the answer", m)
	}
	r.received(ch)

	// Given up before taking it: the call runs on the runners, and nothing is handed over after.
	ch = r.expect(3)
	if !r.handOver(3, call(3)) {
		t.Fatal("not handed over")
	}
	r.forget(3, ch)
	if r.handOver(3, call(3)) {
		t.Fatal("handed over to a caller that gave up")
	}

	// A server gone while a call waits to be taken: the dead letter fits beside it.
	ch = r.expect(4)
	r.handOver(4, call(4))
	done := make(chan struct{})
	go func() {
		r.SendUserMessage(nil, &actor.DeadLetterResponse{})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the dead letter blocked on a call waiting to be taken")
	}
	if _, ok := (<-ch).(handed); !ok {
		t.Fatal("the call handed over is lost")
	}
	if _, ok := (<-ch).(*actor.DeadLetterResponse); !ok {
		t.Fatal("the dead letter is lost")
	}

	got := map[uint64]bool{}
	got[<-ran] = true
	got[<-ran] = true
	if !got[2] || !got[3] || len(ran) != 0 {
		t.Fatalf("ran %v, want 2 (by its caller) and 3 (on the runners)", got)
	}
}
