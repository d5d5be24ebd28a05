package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestOperationsEndpoints: the gateway's listener serves the operations endpoints over its
// executor, with its host sessions as a source: a call shows in /metrics, the host session in
// /status.json, and /status is the page.
func TestOperationsEndpoints(t *testing.T) {
	spinetest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	gw, err := gateway.New(ctx, spinetest.Project(spinetest.Demo(t, "demo")), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HTTPOptions{}))
	defer func() {
		srv.Close()
		if err := gw.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	cs := connect(t, srv.URL+"/mcp", legacy, nil)
	defer cs.Close()
	if got, res := call(t, cs, "demo__echo", map[string]any{"text": "hi"}); res.IsError || got != "hi" {
		t.Fatalf("echo: %q", got)
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s %s", path, resp.Status, body)
		}
		return string(body)
	}
	if m := get("/metrics"); !strings.Contains(m, `spine_calls_total{class="ok",server="demo",tool="echo"} 1`) {
		t.Errorf("/metrics lacks the echo call:\n%s", grepLines(m, "spine_"))
	}
	var st struct {
		Downstream []struct{ Transport, Era, Client string } `json:"downstream"`
	}
	if err := json.Unmarshal([]byte(get("/status.json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Downstream) != 1 || st.Downstream[0].Transport != "http" || st.Downstream[0].Era != "2025-11-25" {
		t.Errorf("/status.json downstream = %+v, want the one host session", st.Downstream)
	}
	if page := get("/status"); !strings.Contains(page, "<html") {
		t.Errorf("/status is not a page: %.200s", page)
	}
	get("/healthz")
	get("/readyz")
	get("/names.json")
}

// grepLines returns the lines of s that start with prefix.
func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
