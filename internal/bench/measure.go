package bench

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// Latency summarises a set of call latencies: percentiles (nearest rank) and mean, in
// milliseconds.
type Latency struct {
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P99Ms  float64 `json:"p99_ms"`
	MeanMs float64 `json:"mean_ms"`
}

// summarize returns the percentiles of ds (nearest rank) and their mean.
func summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Latency{
		P50Ms:  msOf(percentile(s, 50)),
		P90Ms:  msOf(percentile(s, 90)),
		P99Ms:  msOf(percentile(s, 99)),
		MeanMs: msOf(sum / time.Duration(len(s))),
	}
}

// percentile returns the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank-1, 0), len(sorted)-1)]
}

func msOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// round4 keeps four decimals: a tenth of a microsecond for milliseconds, a thousandth of a
// percent for ratios.
func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// cpuClock reads the CPU time of this process and of its reaped children (getrusage).
type cpuClock struct{ self, children time.Duration }

func readCPU() cpuClock {
	return cpuClock{self: rusage(syscall.RUSAGE_SELF), children: rusage(syscall.RUSAGE_CHILDREN)}
}

func (c cpuClock) sub(o cpuClock) cpuClock {
	return cpuClock{self: c.self - o.self, children: c.children - o.children}
}

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// childCPU returns the CPU time used so far by the live processes pids (user + system, from
// /proc/PID/stat, in clock ticks), and whether /proc could be read for all of them.
func childCPU(pids []int) (time.Duration, bool) {
	var total time.Duration
	ok := true
	for _, pid := range pids {
		st, err := procStat(pid)
		if err != nil {
			ok = false
			continue
		}
		total += st.cpu
	}
	return total, ok
}

type procStatus struct {
	ppid int
	cpu  time.Duration
}

// procStat parses /proc/PID/stat: the fields after the command name (which may hold spaces
// and parentheses) are state, ppid, … utime (14th field) and stime (15th).
func procStat(pid int) (procStatus, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStatus{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStatus{}, os.ErrInvalid
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return procStatus{}, os.ErrInvalid
	}
	ppid, _ := strconv.Atoi(string(f[1]))
	utime, _ := strconv.ParseInt(string(f[11]), 10, 64)
	stime, _ := strconv.ParseInt(string(f[12]), 10, 64)
	return procStatus{ppid: ppid, cpu: time.Duration(utime+stime) * clockTick}, nil
}

// childPids returns the live child processes of this process (nil where /proc is missing).
func childPids() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := procStat(pid); err == nil && st.ppid == self {
			out = append(out, pid)
		}
	}
	return out
}

// TreeCPU returns the CPU time (user + system) used so far by process pid (own) and by it and
// every live descendant of it (tree) — a gateway and the servers it started —, from
// /proc/PID/stat; both are 0 where /proc cannot be read.
func TreeCPU(pid int) (own, tree time.Duration) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	procs := map[int]procStatus{}
	for _, e := range entries {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			if st, err := procStat(p); err == nil { // else it ended since the listing
				procs[p] = st
			}
		}
	}
	for p, st := range procs {
		for q := p; q > 1; q = procs[q].ppid {
			if q == pid {
				tree += st.cpu
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return procs[pid].cpu, tree
}

// newChildren returns the pids of after that are not in before.
func newChildren(before, after []int) []int {
	var out []int
	for _, p := range after {
		if !slices.Contains(before, p) {
			out = append(out, p)
		}
	}
	return out
}
