package actors

import (
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The limits and timings of the mechanism that no config key sets, each with why its value is
// what it is. What a user may tune lives in capability.Policy (with its defaults in
// capability.DefaultPolicy); the backoffs live in backoff.go, as one type with its instances;
// the pool's own bounds (maxPools, the maintenance tick) live with the pool.

// Teardown of a stdio server and of the runtime.
const (
	// exitGrace is how long a stdio server gets to exit after its stdin is closed, before
	// SIGTERM. Short on purpose: some servers (the Node reference servers among them) never
	// exit when stdin closes, and Close must stay quick.
	exitGrace = 250 * time.Millisecond
	// termGrace is how long the process group gets after SIGTERM before SIGKILL: long enough
	// for a server to flush and exit cleanly, short enough that Close stays within its
	// deadline plus one kill grace (≤ 3 s, docs/design.md "Teardown").
	termGrace = 2 * time.Second
	// killGrace bounds how long a killed group may take to be gone: SIGKILL is not instant
	// for a process in uninterruptible sleep, and Close waits for every member.
	killGrace = time.Second
	// groupPollMax caps the pause between checks that a process group is gone: there is no
	// event for the death of processes that are not our children, so waitGroupGone polls,
	// from 1 ms doubling to this, which keeps a fast exit fast and a slow one cheap.
	groupPollMax = 20 * time.Millisecond
	// DefaultDrainTimeout bounds how long Close lets in-flight calls finish when its context
	// has no deadline: a CLI's Ctrl-C or a program's shutdown should not wait on a tool that
	// runs for minutes.
	DefaultDrainTimeout = 10 * time.Second
	// drainAnswerSlack is how long after the drain deadline Close still waits for a server's
	// answer to Drain: the server cancels what still runs at the deadline, and the cancelled
	// calls take a moment to come back.
	drainAnswerSlack = time.Second
)

// Asks and answers inside the runtime.
const (
	// askTimeout bounds the runtime's asks of its app actor (its server list at start, the
	// spawn of a run or a scan), which answers at once unless something is badly wrong.
	askTimeout = 10 * time.Second
	// deadLetterThrottle is protoactor's dead-letter throttle interval. Dead letters (late
	// answers of calls whose session is gone) are expected and not logged; each one parks a
	// goroutine for this interval, so it is short.
	deadLetterThrottle = 10 * time.Millisecond
	// CancelGrace bounds how long WorkflowRun.Wait waits for the report once its context is
	// done: the run cancels its requests and every server answers at once, so this is only
	// reached if something is badly wrong.
	CancelGrace = 15 * time.Second
	// probeTimeout bounds one health probe of an idle session (call_timeout if shorter): a
	// ping answers in microseconds, so a session that takes seconds is not one to hand a
	// call to.
	probeTimeout = 5 * time.Second
	// maxIdleMailboxRunners is how many goroutines may wait for the next mailbox run of a
	// server or session actor (runners.go): enough for every actor that is busy at once on
	// a typical project; beyond it a burst's extra runners end rather than sit idle.
	maxIdleMailboxRunners = 64
	// runnerLinger is how long an idle runner waits for more work before it ends: far longer
	// than the gaps between the calls of a busy pool (whose runners are reused), short enough
	// that a pool at rest soon holds only the goroutines it held before a burst.
	runnerLinger = time.Second
)

// Capability scans (the defaults of ScanOptions).
const (
	// DefaultScanDebounce: list_changed notifications within this window make one rescan
	// (a server that grows ten tools at once sends ten notifications).
	DefaultScanDebounce = 100 * time.Millisecond
	// DefaultScanTimeout bounds one scan, and one description, of one server: a delegated
	// description asks a builder tool that may think for a while.
	DefaultScanTimeout = 2 * time.Minute
)

// What a server may send before SPINE gives up on the session.
const (
	// stderrTail is how much of a server's stderr is kept for error messages: the last lines
	// say why a server died; more would drown the error.
	stderrTail = 2048
	// maxRedirects is how many same-origin redirects one HTTP request may follow
	// (net/http's default).
	maxRedirects = 10
	// maxNoiseLines is how many lines in a row a stdio server may write to stdout that are
	// no MCP message; the next one breaks the session. Generous for start-up chatter (a
	// Spring Boot banner and its log lines).
	maxNoiseLines = 1000
	// maxNoiseBytes is how many bytes of such lines in a row (newlines included) may be
	// skipped; more break the session, also within one line that never ends.
	maxNoiseBytes = 1 << 20
	// maxFrame is the longest line that may be a message, the SDK's own limit (16 MiB): a
	// longer line breaks the session, JSON or not.
	maxFrame = mcp.DefaultMaxLineLength
)

// registryBuckets is how many buckets the process registry of a SPINE actor system has.
// protoactor allocates 1,024 buckets of 32 shards each (~3 MB) for systems that hold
// millions of actors; the garbage collector scans all of it on every cycle, and a pooled
// call's garbage (the SDK's JSON buffers) triggers many cycles. A runtime here holds
// servers, sessions and a few runs: 16 buckets keep lookups fast and halve GC CPU per call.
const registryBuckets = 16
