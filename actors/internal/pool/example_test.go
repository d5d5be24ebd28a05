package pool_test

import (
	"fmt"
	"time"

	"github.com/spine-mcp/spine/actors/internal/pool"
)

// A call arrives at an empty pool: the machine opens a session and arms the call's acquire
// timeout; the session comes up and takes the call; the call is done and answered.
func Example() {
	p := pool.New(pool.Config{MaxSessions: 2, MaxInflight: 1, TotalSessions: 8, AcquireTimeout: time.Second}, pool.SystemClock{})
	show := func(effects []pool.Effect) {
		for _, e := range effects {
			switch e.Kind {
			case pool.Spawn:
				fmt.Println("spawn session", e.Session)
			case pool.Arm:
				fmt.Println("arm timer", e.Timer.Kind, "after", e.After)
			case pool.Disarm:
				fmt.Println("disarm timer", e.Timer.Kind)
			case pool.Dispatch:
				fmt.Println("dispatch call", e.Call, "to session", e.Session, "attempt", e.Attempt)
			case pool.Reply:
				fmt.Println("reply to call", e.Call, "failure", e.Failure)
			}
		}
	}
	p.Start()
	show(p.Arrive(pool.Call{ID: 7}))
	show(p.Ready(1))
	show(p.Done(1, 7, nil))
	// Output:
	// spawn session 1
	// arm timer acquire after 1s
	// disarm timer acquire
	// dispatch call 7 to session 1 attempt 1
	// reply to call 7 failure <nil>
}
