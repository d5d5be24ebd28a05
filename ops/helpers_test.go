package ops_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// newExecutor starts an executor over servers and closes it when the test ends.
func newExecutor(t *testing.T, servers ...capability.ServerSpec) *executor.Executor {
	t.Helper()
	ex, err := executor.New(spinetest.Project(servers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ex.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ex
}

// patience is the context of a step of a test that should answer promptly.
func patience(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	t.Cleanup(cancel)
	return ctx
}

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(patience(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}
