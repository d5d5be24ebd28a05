package executor_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// credentialHeaders are the headers the tests below send as credentials.
var credentialHeaders = []string{"Authorization", "X-Api-Key", "X-Access-Token", "Mcp-Session-Id"}

// hostLog records, per host name a server was reached as, the credential headers its
// requests carried ("Name: value").
type hostLog struct {
	mu    sync.Mutex
	hosts map[string][]string
}

func (l *hostLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		var creds []string
		for _, h := range credentialHeaders {
			if v := r.Header.Get(h); v != "" {
				creds = append(creds, h+": "+v)
			}
		}
		l.mu.Lock()
		if l.hosts == nil {
			l.hosts = map[string][]string{}
		}
		l.hosts[host] = append(l.hosts[host], creds...)
		if len(creds) == 0 {
			l.hosts[host] = append(l.hosts[host], "(none)")
		}
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// at returns what requests reached as host carried ("(none)" for a request without any).
func (l *hostLog) at(host string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.hosts[host]...)
}

// mcpHandler serves an MCP server with a read-only echo tool over streamable HTTP.
func mcpHandler() http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "httpsec", Version: "1"}, nil)
	type in struct {
		Text string `json:"text"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(_ context.Context, _ *mcp.CallToolRequest, args in) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: args.Text}}}, nil, nil
		})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
}

// loopback starts handler on 127.0.0.1 and returns the server, not yet started, with its
// port: 127.0.0.1:PORT and localhost:PORT are one listener but two origins.
func loopback(t *testing.T, handler http.Handler) (*httptest.Server, string) {
	ts := httptest.NewUnstartedServer(handler)
	t.Cleanup(ts.Close)
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	return ts, port
}

func httpSpec(url string) capability.ServerSpec {
	spec := capability.ServerSpec{Name: "remote", Transport: capability.TransportHTTP, URL: url, Enabled: true,
		Policy: capability.DefaultPolicy()}
	spec.ConnectTimeout = 5 * time.Second
	spec.CircuitThreshold = 0
	return spec
}

var (
	configured = map[string]string{"Authorization": "Bearer cfg-bearer-secret", "X-Api-Key": "cfg-api-key-secret"}
	perCall    = http.Header{"X-Access-Token": {"per-call-token-secret"}}
)

// TestNoCredentialsToAnotherOrigin has HTTP upstreams send a session elsewhere — by a 307 at
// connect, by a 307 of a call on a live session, by an SSE endpoint event — to another origin
// (localhost instead of 127.0.0.1, the same listener or another one) and checks that no request
// reaches that origin with a configured header, a per-call header or the MCP session id: the
// request is refused, with an error naming the server and both origins. A redirect within the
// origin keeps the headers and works.
func TestNoCredentialsToAnotherOrigin(t *testing.T) {
	for _, tc := range []struct {
		name      string
		isolation capability.Isolation
		headers   map[string]string
		perCall   http.Header
		sse       bool
		late      bool // the redirect comes once a session is live
	}{
		{name: "configured headers, redirect at connect", headers: configured},
		{name: "per-call headers, identity isolation, redirect at connect", isolation: capability.IsolationIdentity, perCall: perCall},
		{name: "both, redirect of a call on a live session", headers: configured, perCall: perCall, late: true},
		{name: "both, identity isolation, redirect of a call on a live session", isolation: capability.IsolationIdentity,
			headers: configured, perCall: perCall, late: true},
		{name: "configured headers, SSE endpoint on another origin", headers: configured, sse: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			log := &hostLog{}
			var redirecting atomic.Bool
			redirecting.Store(!tc.late)
			mux := http.NewServeMux()
			ts, port := loopback(t, log.wrap(mux))
			other, otherPort := loopback(t, log.wrap(mcpHandler())) // another server, reached as localhost
			target := "http://localhost:" + port + "/mcp"           // this server, reached as localhost
			if tc.late {
				target = "http://localhost:" + otherPort + "/mcp"
			}
			mcpH := mcpHandler()
			mux.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if redirecting.Load() && r.Host != "localhost:"+port {
					http.Redirect(w, r, target, http.StatusTemporaryRedirect)
					return
				}
				mcpH.ServeHTTP(w, r)
			}))
			mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "event: endpoint\ndata: http://localhost:%s/message\n\n", port)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			})
			mux.HandleFunc("/message", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
			ts.Start()
			other.Start()

			spec := httpSpec("http://127.0.0.1:" + port + "/mcp")
			if tc.sse {
				spec.Transport, spec.URL = capability.TransportSSE, "http://127.0.0.1:"+port+"/sse"
			}
			spec.Headers = tc.headers
			if tc.isolation != "" {
				spec.Isolation = tc.isolation
			}
			ex := newExecutor(t, spec)
			// Close (which runs before this) ends the upstream session with a DELETE: let it through.
			t.Cleanup(func() { redirecting.Store(false) })
			ctx := context.Background()
			if tc.perCall != nil {
				ctx = executor.WithHeaders(ctx, tc.perCall)
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if tc.late {
				if _, err := ex.CallTool(cctx, "remote", "echo", map[string]any{"text": "before"}); err != nil {
					t.Fatalf("call before the redirects: %v", err)
				}
				redirecting.Store(true)
			}
			_, err := ex.CallTool(cctx, "remote", "echo", map[string]any{"text": "hi"})
			if got := log.at("localhost"); len(got) > 0 {
				t.Errorf("the other origin got requests, with %q", got)
			}
			if err == nil {
				t.Fatal("the call went through")
			}
			for _, want := range []string{`server "remote"`, "http://127.0.0.1:" + port, "http://localhost:", "refused"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if got := log.at("127.0.0.1"); tc.headers != nil && !strings.Contains(strings.Join(got, ","), "Bearer cfg-bearer-secret") {
				t.Errorf("the configured origin never got the configured headers: %q", got)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestSameOriginRedirectKeepsHeaders: a redirect within the origin of the server's url is
// followed, with the configured and per-call headers.
func TestSameOriginRedirectKeepsHeaders(t *testing.T) {
	spinetest.NoLeaks(t)
	log := &hostLog{}
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcpHandler())
	mux.Handle("/old", http.RedirectHandler("/mcp", http.StatusPermanentRedirect))
	ts, port := loopback(t, log.wrap(mux))
	ts.Start()
	spec := httpSpec("http://127.0.0.1:" + port + "/old")
	spec.Headers = configured
	ex := newExecutor(t, spec)
	ctx, cancel := context.WithTimeout(executor.WithHeaders(context.Background(), perCall), 10*time.Second)
	defer cancel()
	res, err := ex.CallTool(ctx, "remote", "echo", map[string]any{"text": "moved"})
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, res); got != "moved" {
		t.Fatalf("echo = %q", got)
	}
	seen := strings.Join(log.at("127.0.0.1"), ",")
	for _, want := range []string{"Authorization: Bearer cfg-bearer-secret", "X-Api-Key: cfg-api-key-secret", "X-Access-Token: per-call-token-secret"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the server never got %q: %s", want, seen)
		}
	}
}

// TestURLSecretsNotInErrorsOrLogs configures servers whose url holds a token in its query or
// its user info, one down and one refusing, and checks that the errors returned, the events
// and the debug logs never show it.
func TestURLSecretsNotInErrorsOrLogs(t *testing.T) {
	spinetest.NoLeaks(t)
	const secret, password = "SECRET123", "Passw0rdXYZ"
	refusing, port := loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// quoting the request is what many servers do: its URL holds the token
		http.Error(w, "forbidden: "+r.URL.String()+" "+r.Header.Get("Authorization"), http.StatusForbidden)
	}))
	refusing.Start()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downAddr := closed.Addr().String()
	closed.Close() // nothing listens there now

	var servers []capability.ServerSpec
	for name, url := range map[string]string{
		"down-query":     "http://" + downAddr + "/mcp?api_key=" + secret,
		"down-userinfo":  "http://user:" + password + "@" + downAddr + "/mcp",
		"refusing-query": "http://127.0.0.1:" + port + "/mcp?api_key=" + secret + "&v=2",
		"refusing-sse":   "http://u:" + password + "@127.0.0.1:" + port + "/sse?api_key=" + secret,
	} {
		spec := httpSpec(url)
		spec.Name = name
		if strings.HasSuffix(name, "sse") {
			spec.Transport = capability.TransportSSE
		}
		spec.CircuitThreshold = 1 // the second call meets the open circuit, whose message quotes the last error
		servers = append(servers, spec)
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := zerolog.New(lockedWriter{&logs, &logMu}).Level(zerolog.DebugLevel)
	var events []string
	var evMu sync.Mutex
	ex, err := executor.New(spinetest.Project(servers...), executor.WithLogger(logger), executor.WithEvents(func(e executor.Event) {
		executor.LogEvents(logger)(e)
		evMu.Lock()
		events = append(events, e.String())
		evMu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ex.Close(ctx)
	})
	var texts []string
	for _, s := range servers {
		for range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := ex.CallTool(ctx, s.Name, "echo", nil)
			cancel()
			if err == nil {
				t.Fatalf("%s: the call went through", s.Name)
			}
			texts = append(texts, err.Error())
		}
		if _, err := ex.ListTools(context.Background(), s.Name); err != nil {
			texts = append(texts, err.Error())
		}
	}
	evMu.Lock()
	texts = append(texts, events...)
	evMu.Unlock()
	logMu.Lock()
	texts = append(texts, logs.String())
	logMu.Unlock()
	all := strings.Join(texts, "\n")
	for _, leak := range []string{secret, password} {
		if i := strings.Index(all, leak); i >= 0 {
			t.Errorf("%s shown: ...%s...", leak, all[max(0, i-200):min(len(all), i+50)])
		}
	}
	if !strings.Contains(all, "api_key=[redacted]") || !strings.Contains(all, "[redacted]@") {
		t.Errorf("no redacted URL in the errors: %s", all)
	}
	t.Logf("%s", texts[:4])
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
