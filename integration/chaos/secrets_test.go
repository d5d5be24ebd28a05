package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// The secrets of TestSecretsStayOutOfLogs: every one of them contains "s3cr3t".
const (
	envSecret    = "s3cr3t-XYZ-from-env"
	passedSecret = "s3cr3t-PAS-from-env_vars" // in spine's environment, passed on by env_vars
	bearerSecret = "s3cr3t-HDR-bearer-token"
	apiKeySecret = "k3y-s3cr3t-api-key"
)

// TestSecretsStayOutOfLogs runs the CLI with debug logging against servers that fail in
// several ways while holding secrets in env, env_vars and headers — a server that prints its
// environment to stderr, answers errors quoting it, crashes with it on stderr or exits with
// it during the handshake; HTTP servers that reject the credentials quoting them — and
// checks that no secret appears on stdout or stderr.
func TestSecretsStayOutOfLogs(t *testing.T) {
	h := checkHygiene(t)
	rejecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"invalid credentials %s / %s"}}`,
			r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
	}))
	t.Cleanup(rejecting.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down for "+r.Header.Get("Authorization"), http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	quoting := echoServer("Authorization")
	quoting.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "tools/call" {
				return next(ctx, method, req)
			}
			return nil, &jsonrpc.Error{Code: -32000, Message: "denied for " + req.GetExtra().Header.Get("Authorization")}
		}
	})
	mcpServer := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return quoting }, nil))
	t.Cleanup(mcpServer.Close)

	dir := t.TempDir()
	headers := fmt.Sprintf(`headers = { Authorization = "Bearer %s", X-Api-Key = "%s" }`, bearerSecret, apiKeySecret)
	t.Setenv("CHAOS_SECRET_PASSED", passedSecret)
	env := fmt.Sprintf(`env = { CHAOS_SECRET_TOKEN = "%s", %s = "%s" }`, envSecret, markEnv, h.mark) +
		"\nenv_vars = [\"CHAOS_SECRET_PASSED\"]"
	writeFiles(t, dir, map[string]string{"spine.toml": `
[defaults]
connect_timeout = "5s"

[servers.leaky]
command = "` + badServer(t) + `"
args    = ["--leak-env", "CHAOS_SECRET_TOKEN,CHAOS_SECRET_PASSED"]
` + env + `

[servers.dies]
command = "` + badServer(t) + `"
args    = ["--leak-env", "CHAOS_SECRET_TOKEN,CHAOS_SECRET_PASSED", "--exit-on-initialize"]
` + env + `

[servers.cut]
command = "` + badServer(t) + `"
args    = ["--exit-on-initialize", "--cut-secrets"]
` + env + `

[servers.rejecting]
url = "` + rejecting.URL + `"
` + headers + `

[servers.failing]
url = "` + failing.URL + `"
` + headers + `

[servers.quoting]
url = "` + mcpServer.URL + `"
` + headers + `
`})

	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"call", "leaky", "echo", "text=hi"}, 0},
		{[]string{"call", "leaky", "fail_secret"}, 1},
		{[]string{"call", "leaky", "crash_secret"}, 1},
		{[]string{"call", "dies", "echo", "text=hi"}, 1},
		{[]string{"call", "cut", "echo", "text=hi"}, 1},
		{[]string{"call", "rejecting", "echo", "text=hi"}, 1},
		{[]string{"call", "failing", "echo", "text=hi"}, 1},
		{[]string{"call", "quoting", "echo", "text=hi"}, 1},
		{[]string{"servers"}, 1},
		{[]string{"tools", "--output", "json"}, 1},
	} {
		args := append([]string{"--log-level", "debug"}, c.args...)
		stdout, stderr, code := runSpine(t, dir, args...)
		if code != c.code {
			t.Errorf("spine %s: exit %d, want %d\nstderr:\n%s", strings.Join(args, " "), code, c.code, stderr)
		}
		for _, out := range []struct{ name, text string }{{"stdout", stdout}, {"stderr", stderr}} {
			for _, secret := range []string{envSecret, passedSecret, bearerSecret, apiKeySecret} {
				// also its end: a truncated stderr tail must not show part of a secret
				for _, part := range []string{"s3cr3t", secret[len(secret)-8:]} {
					if i := strings.Index(out.text, part); i >= 0 {
						t.Errorf("spine %s: (part of) a secret on %s: ...%s...", strings.Join(args, " "), out.name,
							out.text[max(0, i-200):min(len(out.text), i+60)])
					}
				}
			}
		}
		t.Logf("spine %s: exit %d, %d bytes of logs, %d redactions", strings.Join(args, " "), code, len(stderr),
			strings.Count(stdout+stderr, "[redacted]"))
	}
}

// runSpine runs the spine binary in dir and returns its output and exit code.
func runSpine(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, spinetest.Binary(t), args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("spine %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// TestURLSecretsStayOutOfOutput configures HTTP servers whose url carries a token in its query
// (?api_key=…) or its user info (user:password@) — one whose port is closed, one that answers
// with an error quoting the key and the request URL, an SSE one that refuses — and checks that no command of the CLI, with debug JSON
// logs, prints the token: errors show the url with [redacted] in their place.
func TestURLSecretsStayOutOfOutput(t *testing.T) {
	checkHygiene(t)
	const secret = "SECRET123"
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // the SSE stream
			http.Error(w, "forbidden: "+r.URL.String(), http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"api_key %s is not valid for %s"}}`,
			r.URL.Query().Get("api_key"), r.URL)
	}))
	t.Cleanup(refusing.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := closed.Addr().String()
	closed.Close() // nothing listens there now
	refusingHost := strings.TrimPrefix(refusing.URL, "http://")

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"spine.toml": `
[log]
format = "json"

[defaults]
connect_timeout   = "5s"
circuit_threshold = 1

[servers.down]
url = "http://` + down + `/mcp?api_key=` + secret + `"

[servers.userinfo]
url = "http://spine:` + secret + `@` + down + `/mcp"

[servers.refusing]
url = "http://` + refusingHost + `/mcp?v=1&api_key=` + secret + `"

[servers.sse]
url       = "http://` + refusingHost + `/sse?api_key=` + secret + `"
transport = "sse"
`})
	for _, args := range [][]string{
		{"servers"},
		{"servers", "--output", "json"},
		{"call", "down", "echo", "text=hi"},
		{"call", "userinfo", "echo", "text=hi"},
		{"call", "refusing", "echo", "text=hi"},
		{"call", "sse", "echo", "text=hi", "--output", "json"},
		{"tools", "--output", "json"},
		{"resources"},
	} {
		args := append([]string{"--log-level", "debug"}, args...)
		stdout, stderr, code := runSpine(t, dir, args...)
		if code == 0 {
			t.Errorf("spine %s: exit 0 with every server failing", strings.Join(args, " "))
		}
		for _, out := range []struct{ name, text string }{{"stdout", stdout}, {"stderr", stderr}} {
			if i := strings.Index(out.text, secret); i >= 0 {
				t.Errorf("spine %s: the url's token on %s: ...%s...", strings.Join(args, " "), out.name,
					out.text[max(0, i-200):min(len(out.text), i+60)])
			}
		}
		// net/http's errors quote the url of the server that is down, the refusing server
		// quotes its key; the SDK does not show the body of the SSE server's 403
		if !slices.Contains(args, "sse") && !strings.Contains(stdout+stderr, "[redacted]") {
			t.Errorf("spine %s: no redacted url in the output:\nstdout: %s\nstderr: %s", strings.Join(args, " "), stdout, stderr)
		}
		t.Logf("spine %s: exit %d, %d bytes of logs, %d redactions", strings.Join(args, " "), code, len(stderr),
			strings.Count(stdout+stderr, "[redacted]"))
	}
}
