// Package journal keeps the journal of a workflow run: one JSON record per line in
// .spine/runs/<run_id>.jsonl under the project directory, from which `spine run --resume`
// continues an interrupted run and `spine runs` lists recent ones.
//
// # Records
//
// The first line is the run's header (Type "run": the run id, the workflow's name, its file
// and the file's sha256, the inputs and vars, the start time and the process id). Then, as
// the run goes: "attempt" before each call is sent (step, for_each item, attempt number,
// server, kind, target); "outcome" when it is answered (ok, is_error, or failed with the
// failure's class, reason and whether the operation was safe to repeat; the MCP result as
// JSON); "step_end" when a step settles (its final status and error; not written for a
// step whose only call answered ok, which that "outcome" says); "resume" when a later
// process continues the run (with the steps accepted or run again); and "end" when the run
// is over (ok, error). A call whose "attempt" has no "outcome" was in flight when the run
// stopped: it may have run.
//
// # Durability
//
// Records are buffered by [Writer.Add] and written by [Writer.Flush] with one write(2) on a
// file opened with O_APPEND. The workflow actor flushes before it sends any call and after
// it takes any answer, so the journal on disk always holds every attempt before its call
// leaves the process, and every outcome before the next call starts: a run killed at any
// point (SIGKILL, a crash) leaves a journal that says what finished and what may have run.
// Nothing is fsync'd: the bytes are the kernel's once written, so the journal survives the
// death of the spine process, not a power loss or an operating-system crash before the
// kernel wrote them back. That is the durability promised. (An fsync costs milliseconds on
// common disks, as much as several steps; encoding a step's records and the one write per
// flush cost a few µs.)
//
// Directories are created 0700 and journals 0600. The values of the servers' configured
// secrets (env values, env_vars variables, headers, url query values and user info; see
// actors.Secrets) are replaced by "[redacted]" in every record, results included, so a
// resumed run's templates see the redacted text.
//
// A running run holds an exclusive lock (flock) on its journal: [Summary.State] tells a run
// that is still going from one whose process died, and a second process cannot resume a run
// that is running.
package journal
