package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText prints the report for people: the table `spine bench` prints. It returns the
// first error writing to w.
func (r *Report) WriteText(out io.Writer) error {
	w := &errWriter{w: out}
	fmt.Fprintf(w, "server %q (%s", r.Server, r.Transport)
	if r.ServerInfo != "" {
		fmt.Fprintf(w, ", %s", r.ServerInfo)
	}
	if r.Protocol != "" {
		fmt.Fprintf(w, ", protocol %s", r.Protocol)
	}
	fmt.Fprintf(w, "), tool %q\n", r.Tool)
	fmt.Fprintf(w, "%d CPUs, %s/%s, %s", r.Machine.CPUs, r.Machine.OS, r.Machine.Arch, r.Machine.Go)
	if r.Machine.LoadAvg != "" {
		fmt.Fprintf(w, ", load %s", r.Machine.LoadAvg)
	}
	fmt.Fprintf(w, "; %d interleaved rounds\n\n", r.Settings.Rounds)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "MODE\tCALLS\tCALLERS\tSESSIONS\tP50\tP90\tP99\tCALLS/S\tCPU/CALL\t(CLIENT+SERVER)\t")
	for _, m := range r.Modes {
		sessions := "1/call"
		if m.Sessions > 0 {
			sessions = fmt.Sprintf("%d×%d", m.Sessions, m.Inflight)
		}
		split := "-"
		if m.CPU.Server != nil {
			split = fmt.Sprintf("(%s+%s)", fmtMicros(m.CPU.Client), fmtMicros(*m.CPU.Server))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t\n", m.Mode, m.Calls, m.Callers, sessions,
			fmtMillis(m.P50Ms), fmtMillis(m.P90Ms), fmtMillis(m.P99Ms), m.CallsPerSec, fmtMicros(m.CPU.Total), split)
	}
	tw.Flush()
	for _, m := range r.Modes {
		if m.AnswerP50Ms != nil {
			fmt.Fprintf(w, "cold p50 until the answer (without the close): %s\n", fmtMillis(*m.AnswerP50Ms))
		}
	}

	fmt.Fprintln(w)
	if x := r.Ratios.PooledOverRawP50; x != nil {
		fmt.Fprintf(w, "pooled p50 / raw p50:        %.3f  (what the pool adds to a call)\n", *x)
	}
	if x := r.Ratios.ColdOverPooledP50; x != nil {
		fmt.Fprintf(w, "cold p50 / pooled p50:       %.1f  (what a warm session saves)\n", *x)
	}
	if x := r.Ratios.ConcurrentOverPooled; x != nil {
		fmt.Fprintf(w, "pooled-concurrent / pooled:  %.2fx calls/s\n", *x)
	}

	if len(r.Sweep) > 0 {
		fmt.Fprintf(w, "\nsweep (%.0f ms per point; ideal = sessions × in-flight / single-call p50):\n", r.Settings.SweepMs)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "SESSIONS\tIN-FLIGHT\tCALLERS\tCALLS/S\tP50\tP99\t% OF IDEAL\t")
		for _, p := range r.Sweep {
			fmt.Fprintf(tw, "%d\t%d\t%d\t%.0f\t%s\t%s\t%.1f\t\n", p.Sessions, p.Inflight, p.Callers, p.CallsPerSec,
				fmtMillis(p.P50Ms), fmtMillis(p.P99Ms), p.PctOfIdeal)
		}
		tw.Flush()
	}
	if s := r.Suggested; s != nil {
		fmt.Fprintf(w, "\nsuggested: max_sessions = %d, max_inflight = %d (configured: %d, %d)\n  %s\n",
			s.MaxSessions, s.MaxInflight, r.Configured.MaxSessions, r.Configured.MaxInflight, s.Reason)
	}
	fmt.Fprintln(w, "\nCPU/CALL: client = this process (getrusage); server = the server's processes where they are")
	fmt.Fprintln(w, "children of this one (stdio), - otherwise. More in cpu_note of --output json.")
	return w.err
}

// errWriter keeps the first error of w and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// fmtMillis prints a duration given in milliseconds with a sensible unit.
func fmtMillis(ms float64) string {
	switch {
	case ms < 1:
		return fmt.Sprintf("%.0fµs", ms*1000)
	case ms < 10:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.2fs", ms/1000)
}

func fmtMicros(us float64) string { return fmtMillis(us / 1000) }
