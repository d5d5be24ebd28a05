// Package bench measures what a call of one tool costs through SPINE, against what it costs
// on a plain go-sdk session and on a session opened per call, and suggests a pool size for
// the server. It is the machinery of `spine bench`; the command parses flags, picks the
// server and tool and prints the report.
//
// Run measures up to four modes, with the same calls and arguments:
//
//	cold               a raw go-sdk session per call: spawn or dial, handshake, call, close
//	raw                one persistent raw go-sdk session, calls one after the other
//	pooled             the same calls through an executor with the server's configured pool
//	pooled-concurrent  several callers through a pool of a given number of sessions
//
// A raw session (RawSession, opened by Connect) is what a program using go-sdk directly
// gets: go-sdk's own CommandTransport, StreamableClientTransport or SSEClientTransport,
// nothing of SPINE's runtime.
//
// The modes run interleaved: in rounds, each running a batch of every mode in an order that
// rotates from round to round, so that the drift of a shared machine hits every mode alike.
// Each mode is summarised by latency percentiles, throughput and CPU time per call, of this
// process (getrusage) and, for stdio servers, of the server processes (reaped children,
// /proc/PID/stat). Then a sweep keeps sessions × in-flight callers busy for a fixed time per
// pool shape, and the smallest shape within 10% of the best throughput is suggested as
// max_sessions / max_inflight.
//
// The main types: Options (what to measure, how much), Report (the result, whose JSON is the
// document of `spine bench --output json`; WriteText prints the table `spine bench` prints),
// ModeResult, SweepPoint and Suggestion inside it, and RawSession.
//
//	p, err := capability.Load(".")
//	...
//	rep, err := bench.Run(ctx, bench.Options{
//		Project: p, Server: "demo", Tool: "echo", Args: json.RawMessage(`{"text":"hi"}`),
//		Modes: []string{bench.ModeRaw, bench.ModePooled},
//		Calls: 500, Concurrency: 1, Rounds: 10,
//		Progress: func(line string) { log.Print(line) },
//	})
//	if err != nil {
//		return err
//	}
//	rep.WriteText(os.Stdout)
//	fmt.Println(*rep.Ratios.PooledOverRawP50) // what the pool adds to a call
package bench
