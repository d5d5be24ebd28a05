package gateway_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkServeSessions holds 1,000 legacy downstream sessions (SPINE_BENCH_SESSIONS to
// change) open at once on one spine serve --http, each having called echo once and holding
// its GET stream, and reports the serve process's resident memory per session: the growth
// of its RSS from before the first session to when all are open, over their number. It
// reports the figure; it asserts nothing about it.
//
//	go test -run '^$' -bench ServeSessions -benchtime 1x ./gateway/
func BenchmarkServeSessions(b *testing.B) {
	n := 1000
	if v := os.Getenv("SPINE_BENCH_SESSIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("SPINE_BENCH_SESSIONS=%q: want a positive number", v)
		}
	}
	dir := b.TempDir()
	writeProject(b, dir, demoProject)
	for range b.N {
		url, pid := startServe(b, dir)
		warm := benchSession(b, url)
		echo(b, warm, "demo__echo", 100)
		before := rssKB(b, pid)
		sessions := make([]*mcp.ClientSession, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := range sessions {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				sessions[i] = benchSession(b, url)
				echo(b, sessions[i], "demo__echo", 1)
			}()
		}
		wg.Wait()
		after := rssKB(b, pid)
		if open := countSessions(b, url); open < n {
			b.Errorf("%d downstream sessions open, want at least %d", open, n)
		}
		b.ReportMetric(float64(after-before)/float64(n), "KB-rss/session")
		b.ReportMetric(float64(after)/1024, "MB-rss-total")
		for _, cs := range sessions {
			_ = cs.Close()
		}
	}
}

// countSessions returns the number of downstream sessions the gateway's /status.json lists.
func countSessions(b *testing.B, mcpURL string) int {
	resp, err := http.Get(strings.TrimSuffix(mcpURL, "/mcp") + "/status.json")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Downstream []json.RawMessage `json:"downstream"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		b.Fatal(err)
	}
	return len(st.Downstream)
}

// startServe starts spine serve --http in dir and returns its URL and process id; it is
// stopped with SIGTERM when the benchmark ends.
func startServe(b *testing.B, dir string) (string, int) {
	cmd := exec.Command(spinetest.Binary(b), "serve", "--http", "127.0.0.1:0")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		b.Fatal("spine serve printed no URL")
	}
	go func() { // drain what else it prints; ends when the process does
		for sc.Scan() {
		}
	}()
	return sc.Text(), cmd.Process.Pid
}

// rssKB reads the resident set size of process pid from /proc, in KiB.
func rssKB(b *testing.B, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				b.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb
		}
	}
	b.Fatal("no VmRSS in /proc/PID/status")
	return 0
}
