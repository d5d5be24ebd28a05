package executor_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestWithSlog: a program that logs with log/slog gets SPINE's logs in its own handler, each
// record with its level, message and fields — a server that cannot start is a connect_failed
// warning naming the server and the error — and none of the levels its handler leaves out.
func TestWithSlog(t *testing.T) {
	spinetest.NoLeaks(t)
	var out spinetest.Buffer
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	spec := capability.ServerSpec{Name: "missing", Transport: capability.TransportStdio, Enabled: true,
		Command: "/nonexistent/spine-slog-test", Policy: capability.DefaultPolicy()}
	ex, err := executor.New(spinetest.Project(spec), executor.WithSlog(logger))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	if _, err := ex.CallTool(ctx, "missing", "echo", nil); err == nil {
		t.Fatal("a call to a server that cannot start succeeded")
	}
	if err := ex.Close(ctx); err != nil {
		t.Fatal(err)
	}

	found := false
	for line := range strings.Lines(out.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a slog JSON record: %q: %v", line, err)
		}
		if rec["level"] == "DEBUG" {
			t.Errorf("a debug record reached a handler at info: %s", line)
		}
		cause, _ := rec["error"].(string)
		if rec["msg"] == "connect_failed" && rec["level"] == "WARN" && rec["server"] == "missing" &&
			strings.Contains(cause, "spine-slog-test") {
			found = true
		}
	}
	if !found {
		t.Errorf("no connect_failed warning for server missing in the slog output:\n%s", out.String())
	}
}
