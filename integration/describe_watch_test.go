package integration

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// startExecutor starts an executor over servers; it is closed when the test ends, after
// the test's own cleanups (watches) have run.
func startDescribeExecutor(t *testing.T, servers ...capability.ServerSpec) *executor.Executor {
	t.Helper()
	p := spinetest.Project(servers...)
	p.Dir = t.TempDir() // no workflow files
	ex, err := executor.New(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = ex.Close(ctx)
	})
	return ex
}

// TestWatchDescriptionsFollowsGrow: a tool added while the server runs (the demo `grow`
// tool; the server sends tools/list_changed) reaches the watcher as a new description
// whose parameter reference (L1) includes it.
func TestWatchDescriptionsFollowsGrow(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := startDescribeExecutor(t, spinetest.Demo(t, "demo"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	results := make(chan describe.Result)
	var running, overlapped atomic.Int32
	stop, err := ex.WatchDescriptions(ctx, executor.WatchOptions{Debounce: 10 * time.Millisecond}, func(r describe.Result) {
		if running.Add(1) > 1 {
			overlapped.Add(1)
		}
		defer running.Add(-1)
		select {
		case results <- r:
		case <-ctx.Done():
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	first := nextDescription(t, ctx, results)
	if tools := describedTools(first); !slices.Contains(tools, "grow") || slices.Contains(tools, "grown_1") {
		t.Fatalf("first description lists %v", tools)
	}
	res, err := ex.CallTool(ctx, "demo", "grow", nil)
	if err != nil || res.IsError {
		t.Fatalf("grow: %v %+v", err, res)
	}
	for {
		r := nextDescription(t, ctx, results)
		if !slices.Contains(describedTools(r), "grown_1") {
			continue
		}
		if r.Metadata.SourceHash == first.Metadata.SourceHash || !strings.Contains(r.Schema.Markdown, "grown_1") {
			t.Errorf("new description: source hash %s (was %s), grown_1 in L1 markdown: %v",
				r.Metadata.SourceHash, first.Metadata.SourceHash, strings.Contains(r.Schema.Markdown, "grown_1"))
		}
		break
	}
	stop()
	stop() // idempotent
	if overlapped.Load() != 0 {
		t.Error("the callback ran concurrently with itself")
	}
}

func nextDescription(t *testing.T, ctx context.Context, results <-chan describe.Result) describe.Result {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-ctx.Done():
		t.Fatal("timed out waiting for a description")
		return describe.Result{}
	}
}

func describedTools(r describe.Result) []string {
	var names []string
	for _, tool := range r.Schema.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// TestWatchDescriptionsEndsWithContext: cancelling the context ends the watch and all of
// its goroutines; a later stop is harmless.
func TestWatchDescriptionsEndsWithContext(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := startDescribeExecutor(t, spinetest.Demo(t, "demo"))
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan struct{}, 1)
	failures := make(chan error, 1)
	stop, err := ex.WatchDescriptions(ctx, executor.WatchOptions{
		Errors: func(_ string, err error) { failures <- err },
	}, func(describe.Result) {
		select {
		case got <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case err := <-failures:
		t.Fatalf("scan failed: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for the first description")
	}
	cancel()
	stop()

	if _, err := ex.WatchDescriptions(context.Background(), executor.WatchOptions{Servers: []string{"nope"}}, func(describe.Result) {}); err == nil {
		t.Error("watching an unknown server: no error")
	}
}

// TestDescribeGoAPI: Executor.Describe in both modes, with the shipped builder configured
// as a server, and without one (fallback).
func TestDescribeGoAPI(t *testing.T) {
	spinetest.NoLeaks(t)
	builder := spinetest.Demo(t, executor.DefaultBuilderServer)
	builder.Args = []string{"describe-builder"}
	ex := startDescribeExecutor(t, spinetest.Demo(t, "demo"), builder)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	standalone, err := ex.Describe(ctx, "demo", executor.DescribeOptions{})
	if err != nil || standalone.Metadata.Mode != describe.ModeStandalone {
		t.Fatalf("standalone: %v %+v", err, standalone.Metadata)
	}
	delegated, err := ex.Describe(ctx, "demo", executor.DescribeOptions{Mode: describe.ModeDelegated})
	if err != nil || delegated.Metadata.Mode != describe.ModeDelegated {
		t.Fatalf("delegated: %v %+v", err, delegated.Metadata)
	}
	if delegated.Instructions != standalone.Instructions {
		t.Error("the shipped builder wrote different instructions from the standalone generator")
	}
	fallback, err := ex.Describe(ctx, "demo", executor.DescribeOptions{Mode: describe.ModeDelegated, BuilderServer: "absent"})
	if err != nil || fallback.Metadata.Mode != describe.ModeStandalone || !strings.Contains(fallback.Metadata.FallbackReason, "absent") {
		t.Errorf("missing builder: %v %+v", err, fallback.Metadata)
	}
	if _, err := ex.Describe(ctx, "nope", executor.DescribeOptions{}); err == nil {
		t.Error("describing an unknown server: no error")
	}
	if _, err := ex.Describe(ctx, "demo", executor.DescribeOptions{Mode: "magic"}); err == nil {
		t.Error("an unknown mode: no error")
	}
}
