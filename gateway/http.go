package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"github.com/prometheus/client_golang/prometheus"
	segjson "github.com/segmentio/encoding/json"
)

// modernVersion is the first protocol version without sessions (server/discover, stateless
// requests).
const modernVersion = "2026-07-28"

// HTTPOptions configure the gateway's HTTP endpoint.
type HTTPOptions struct {
	// Auth checks every request to /mcp; nil serves without authentication (loopback only:
	// the CLI refuses other binds without it).
	Auth *Auth
	// MaxBodyBytes bounds a request body; a bigger one gets 413. Default: 4 MiB.
	MaxBodyBytes int64
	// SessionTimeout closes a legacy downstream session that made no request for this long,
	// and with it its affinity sessions. Default: 30 minutes.
	SessionTimeout time.Duration
	// MaxSessions bounds the legacy downstream sessions open at once: an initialize beyond it
	// gets 503 with a JSON-RPC error saying so, and the sessions already open are served as
	// before. Default: 10,000.
	MaxSessions int
	// AllowedOrigins are the browser origins (scheme://host[:port]) allowed besides the
	// endpoint's own. A request with any other Origin gets 403 (DNS rebinding).
	AllowedOrigins []string
	// StreamResponses answers every legacy POST with an SSE stream, on which the request's
	// progress notifications and the servers' questions (elicitation, sampling) travel
	// before its answer. Default: application/json, the answer alone, with those messages
	// on the session's GET stream — which a client that never opens one does not receive.
	StreamResponses bool
	// Metrics are served on /metrics besides the gateway's own (a cluster node's routing
	// counts). Default: none.
	Metrics []prometheus.Collector
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = mcp.DefaultMaxRequestBodyBytes
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 30 * time.Minute
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10_000
	}
	return o
}

// ErrOpenBind: an address beyond loopback without authentication, which would let anyone who
// reaches it use every configured server.
var ErrOpenBind = errors.New("not a loopback address, and no authentication is configured: " +
	"set [serve.auth] tokens_env = \"SPINE_TOKENS\" in spine.toml with SPINE_TOKENS holding bearer tokens " +
	"(SUBJECT=TOKEN, comma-separated), or [serve.auth] issuer, jwks_url and audience (OAuth), or bind 127.0.0.1")

// CheckBind refuses to serve addr (HOST:PORT) openly unless HOST is a loopback address:
// loopback binds may run without auth, any other needs opts.Auth.
func CheckBind(addr string, opts HTTPOptions) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s: want HOST:PORT, e.g. 127.0.0.1:7700", addr)
	}
	if opts.Auth != nil {
		return nil
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s: %w", addr, ErrOpenBind)
	}
	return nil
}

// Handler returns the gateway's HTTP handler: MCP at /mcp for clients of both protocol eras;
// the operations endpoints of package ops — /metrics, /healthz (the process answers), /readyz
// (503 while a server's circuit is open), /status (a live page) and /status.json —; and
// /names.json (the name mapping, collisions, affinity sessions and the pools).
//
// Legacy clients (initialize, Mcp-Session-Id, the GET stream, DELETE) are served by a
// stateful go-sdk handler; modern clients (2026-07-28: server/discover, stateless requests)
// by a stateless one, which the stateful handler would refuse. The classifier in front routes
// on the Mcp-Session-Id and MCP-Protocol-Version headers and, for a POST that carries
// neither, on its method: only initialize opens a session. Both answer application/json
// (unless StreamResponses): a call's progress notifications and the servers' questions go on
// the session's GET stream.
func (g *Gateway) Handler(opts HTTPOptions) http.Handler {
	h, _ := g.handler(opts)
	return h
}

// handler is Handler, with its direct path (nil with StreamResponses).
func (g *Gateway) handler(opts HTTPOptions) (http.Handler, *directPath) {
	opts = opts.withDefaults()
	getServer := func(*http.Request) *mcp.Server { return g.server }
	stateful := mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{
		JSONResponse:        !opts.StreamResponses,
		SessionTimeout:      opts.SessionTimeout,
		MaxRequestBodyBytes: opts.MaxBodyBytes,
	})
	stateless := mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{
		Stateless:                    true,
		JSONResponse:                 true,
		MaxRequestBodyBytes:          opts.MaxBodyBytes,
		PropagateRequestCancellation: true,
	})
	var direct *directPath // the tools/call of legacy sessions, answered without go-sdk (direct.go)
	if !opts.StreamResponses {
		direct = newDirectPath(g, opts.SessionTimeout)
	}
	var endpoint http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := readPeek(r, opts.MaxBodyBytes)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if unknownMethod(w, p) {
			return
		}
		if direct != nil {
			switch {
			case p.method == "notifications/cancelled":
				direct.cancelDirect(r, p)
			case direct.serve(w, r, p):
				return
			}
		}
		if classify(r, p) {
			stateless.ServeHTTP(w, r)
			return
		}
		if p.method == "initialize" && r.Header.Get("Mcp-Session-Id") == "" && g.openSessions() >= opts.MaxSessions {
			rpcError(w, http.StatusServiceUnavailable, p.id, -32000, fmt.Sprintf("too many sessions: this gateway serves at most %d at once (max_sessions); try again later", opts.MaxSessions))
			return
		}
		if direct != nil && r.Method == http.MethodPost && r.Header.Get("Mcp-Session-Id") == "" {
			// A new session: its requests' contexts derive from this one's, which tells
			// learnSessions whose direct path it is.
			r = r.WithContext(context.WithValue(r.Context(), directKey{}, direct))
		}
		stateful.ServeHTTP(w, r)
	})
	if opts.Auth != nil {
		endpoint = opts.Auth.middleware(endpoint)
	}
	endpoint = checkOrigin(endpoint, opts.AllowedOrigins)

	mux := http.NewServeMux()
	mux.Handle("/mcp", endpoint)
	g.monitor(opts.Auth, opts.Metrics).Mount(mux)
	names := g.namesJSON()
	if opts.Auth != nil {
		names = opts.Auth.middleware(names)
	}
	mux.Handle("GET /names.json", names)
	if opts.Auth != nil && opts.Auth.oauth != nil {
		cfg := opts.Auth.oauth.cfg
		meta := auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
			Resource:               cfg.Resource,
			AuthorizationServers:   []string{cfg.Issuer},
			BearerMethodsSupported: []string{"header"},
		})
		mux.Handle(metadataPath, meta)
		mux.Handle(metadataPath+"/mcp", meta)
	}
	return mux, direct
}

// peek is what the endpoint reads of a POST before routing it: its body (put back for the
// handler) and its JSON-RPC method and id, when it is a single message.
type peek struct {
	method string
	id     json.RawMessage
	params json.RawMessage // read only when the headers cannot tell the era (meta)
	single bool            // a single JSON-RPC message (not a batch, not malformed)
}

// readPeek reads r's body within limit and puts it back.
func readPeek(r *http.Request, limit int64) (peek, error) {
	var p peek
	if r.Method != http.MethodPost || r.Body == nil {
		return p, nil
	}
	var body []byte
	if n := r.ContentLength; n >= 0 && n <= limit {
		// The common case: the size is known; read it in one allocation.
		body = make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return p, err
		}
	} else {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, limit+1)); err != nil {
			return p, err
		}
		if int64(len(body)) > limit {
			return p, &http.MaxBytesError{Limit: limit}
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var msg struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
		Params json.RawMessage `json:"params"`
	}
	// Parsed in place (the strings and raw values point into body, which outlives the
	// request), field names matched exactly as go-sdk matches them.
	rest, err := segjson.Parse(body, &msg, segjson.ZeroCopy|segjson.DontMatchCaseInsensitiveStructFields)
	if err != nil || len(bytes.TrimSpace(rest)) != 0 {
		return p, nil // malformed or a batch: go-sdk's handler says what is wrong
	}
	return peek{method: msg.Method, id: msg.ID, params: msg.Params, single: true}, nil
}

// meta returns the _meta of the message's params.
func (p peek) meta() map[string]any {
	var params struct {
		Meta map[string]any `json:"_meta"`
	}
	_ = json.Unmarshal(p.params, &params)
	return params.Meta
}

// classify reports whether r is a request of the sessionless era.
func classify(r *http.Request, p peek) bool {
	if r.Header.Get("Mcp-Session-Id") != "" {
		return false
	}
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
		return v >= modernVersion
	}
	if r.Method != http.MethodPost || !p.single {
		return false
	}
	switch p.method {
	case "initialize":
		return false
	case "server/discover":
		return true
	}
	for k, v := range p.meta() {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "protocolVersion") && s >= modernVersion {
			return true
		}
	}
	return p.method != ""
}

// knownMethods are the methods go-sdk's server answers; it refuses others at the transport,
// with a plain-text 400, where a JSON-RPC client expects "method not found".
var knownMethods = map[string]bool{
	"initialize": true, "ping": true, "server/discover": true, "completion/complete": true,
	"tools/list": true, "tools/call": true, "prompts/list": true, "prompts/get": true,
	"resources/list": true, "resources/templates/list": true, "resources/read": true,
	"resources/subscribe": true, "resources/unsubscribe": true, "subscriptions/listen": true,
	"logging/setLevel": true,
}

// unknownMethod answers a request for a method no MCP server has with JSON-RPC's -32601.
// Notifications (no id) and answers (no method) pass.
func unknownMethod(w http.ResponseWriter, p peek) bool {
	if !p.single || p.method == "" || len(p.id) == 0 || string(p.id) == "null" || knownMethods[p.method] {
		return false
	}
	rpcError(w, http.StatusOK, p.id, -32601, fmt.Sprintf("method not found: %q", p.method))
	return true
}

// rpcError answers a request with a JSON-RPC error, with HTTP status code.
func rpcError(w http.ResponseWriter, status int, id json.RawMessage, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	msg, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": id,
		"error": map[string]any{"code": code, "message": message},
	})
	_, _ = w.Write(msg)
}

// openSessions counts the downstream sessions open now (the requests of sessionless clients
// being served count while they run).
func (g *Gateway) openSessions() int {
	n := 0
	for range g.server.Sessions() {
		n++
	}
	return n
}

// checkOrigin refuses a request whose Origin is neither the endpoint's own nor allowed: a
// page on another site (or a rebound DNS name) must not drive the gateway from a browser.
// Requests without Origin (every non-browser client) pass.
func checkOrigin(next http.Handler, allowed []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := url.Parse(origin)
		ok := err == nil && u.Host == r.Host
		for _, a := range allowed {
			ok = ok || strings.EqualFold(strings.TrimSuffix(a, "/"), origin)
		}
		if !ok {
			http.Error(w, fmt.Sprintf("Forbidden: origin %q may not use this endpoint (allow it with [serve] allowed_origins)", origin), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
