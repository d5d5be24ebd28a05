package pool

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvent measures one round of the busiest path with n calls waiting: a call
// finishes (the next waiting one is dispatched) and a new call arrives (it queues, its
// acquire timer armed). The cost per round should not depend on n: per-key FIFO queues,
// no walk of the queue.
func BenchmarkEvent(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			cfg := testConfig()
			cfg.MaxSessions, cfg.MaxInflight, cfg.AcquireTimeout = 4, 1, time.Hour
			clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			p := New(cfg, clock)
			p.Start()
			next := uint64(1)
			running := map[uint64]uint64{} // session → its call
			var sessions []uint64
			for range cfg.MaxSessions + n {
				for _, e := range p.Arrive(Call{ID: next}) {
					if e.Kind == Spawn {
						sessions = append(sessions, e.Session)
					}
				}
				next++
			}
			for _, s := range sessions {
				for _, e := range p.Ready(s) {
					if e.Kind == Dispatch {
						running[e.Session] = e.Call
					}
				}
			}
			if p.Waiting() != n || len(running) != cfg.MaxSessions {
				b.Fatalf("%d waiting, %d running; want %d and %d", p.Waiting(), len(running), n, cfg.MaxSessions)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := range b.N {
				s := sessions[i%len(sessions)]
				for _, e := range p.Done(s, running[s], nil) {
					if e.Kind == Dispatch {
						running[e.Session] = e.Call
					}
				}
				p.Arrive(Call{ID: next})
				next++
			}
			b.StopTimer()
			// Wall time per op is noisy on a shared machine; the process's CPU time per op
			// (garbage collection included) says what the machine spends.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			if p.Waiting() != n {
				b.Fatalf("%d waiting after the run, want %d", p.Waiting(), n)
			}
		})
	}
}
