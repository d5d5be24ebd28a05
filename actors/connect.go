package actors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// conn is one live MCP client session and what it runs on.
type conn struct {
	session   *mcp.ClientSession
	proc      *process           // stdio only
	hurry     <-chan struct{}    // closed when teardown must skip its grace periods
	http      *http.Transport    // HTTP only: the transport its requests go through (the server's, or its own)
	ownHTTP   bool               // http is the session's own, closed with it (not the server's shared pool)
	status    *statusRecorder    // HTTP only: the first error status, for transportHint
	life      context.Context    // lives as long as the session (HTTP streams are bound to it)
	cancel    context.CancelFunc // ends life
	handshake time.Duration
	version   string          // the protocol version the handshake settled on
	link      *link           // set when the session is shared (linkTable); close gives up a reference
	keeper    *listenKeeper   // re-opens the change stream, re-lists at the TTL (2026-07-28: a link's dialler, a stdio session)
	kept      chan struct{}   // closed when the keeper's loop has ended; nil if it never ran
	probe     *probeTransport // stdio: SPINE's own server/discover (liveness) and subscriptions/listen (2026-07-28)
}

// dialOptions are what a session brings to its dial besides the spec: hooks for what a stdio
// server writes besides MCP messages (either may be nil), and the server's shared HTTP
// transport (nil: the session gets one of its own).
type dialOptions struct {
	stderr  func(line string) // a line of stderr, as written
	skipped func(line string) // a line of stdout that is no MCP message, redacted (see stdoutFilter)
	http    *http.Transport   // HTTP and SSE: the server's keep-alive pool
	eras    *eraMemory        // what protocol = "auto" learned of this server (nil: nothing)
	links   *linkTable        // HTTP: the sessions shared in the 2026-07-28 era (nil: none)
	notify  func(kind string) // a server's list changed (seen by re-listing); nil: nobody to tell
	noRoots bool              // the client offers no roots: refuse a 2026-07-28 server's roots question (roots.go)
}

func dial(ctx context.Context, spec *capability.ServerSpec, client *mcp.Client, opts dialOptions) (*conn, error) {
	start := time.Now()
	// The session's context must outlive the handshake (the SSE transport binds its stream to
	// it), so the connect timeout is a timer that cancels it rather than a derived context.
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopOnCallerCancel := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(spec.ConnectTimeout, cancel)

	var pending *link // this dial makes the server's shared session
	if opts.links != nil && linkable(spec, opts.eras.request(spec)) {
		var shared *conn
		if shared, pending = opts.links.acquire(life, linkKey(ctx)); shared != nil {
			timer.Stop()
			stopOnCallerCancel()
			cancel()
			shared.handshake = time.Since(start)
			return shared, nil
		}
	}
	td := teardownOf(ctx)
	c := &conn{life: life, cancel: cancel, hurry: td.hurried()}
	transport, err := c.transport(spec, td, opts)
	if err == nil {
		var sessionOpts *mcp.ClientSessionOptions
		if v := opts.eras.request(spec); v != "" {
			sessionOpts = &mcp.ClientSessionOptions{ProtocolVersion: v}
		}
		c.session, err = client.Connect(life, transport, sessionOpts)
		if err != nil {
			err = transportHint(spec, c.status, err)
		} else {
			c.version = c.session.InitializeResult().ProtocolVersion
			if err = checkEra(spec, c.version); err == nil {
				opts.eras.learned(spec, c.version)
			}
		}
	}
	timerFired := !timer.Stop()
	stopOnCallerCancel()
	if err != nil || timerFired {
		if err == nil {
			err = context.DeadlineExceeded
		}
		c.close()
		if pending != nil {
			opts.links.abandon(pending)
		}
		return nil, connectError(spec, c, err, timerFired, start)
	}
	c.handshake = time.Since(start)
	if pending != nil {
		if linkable(spec, c.version) {
			opts.links.share(pending, c)
			c.keep(spec, client, opts.notify)
		} else {
			opts.links.abandon(pending)
		}
	}
	if c.probe != nil && capability.EraOf(c.version) == capability.EraModern {
		c.keepStdio(opts.notify)
	}
	return c, nil
}

func (c *conn) transport(spec *capability.ServerSpec, td *teardown, opts dialOptions) (mcp.Transport, error) {
	switch spec.Transport {
	case capability.TransportStdio:
		p, err := startProcess(spec, td, opts.stderr)
		if err != nil {
			return nil, err
		}
		c.proc = p
		// The filter skips what is not a message and enforces the SDK's line limit itself.
		p.frames = newStdoutFilter(p.stdout, secretsOf(spec), opts.skipped)
		c.keeper = newListenKeeper(c.life, spec)
		c.probe = &probeTransport{inner: &stdioTransport{frames: p.frames, stdin: p.stdin}, ended: c.keeper.streamEnded,
			noRoots: opts.noRoots}
		return c.probe, nil
	case capability.TransportSSE:
		c.status = &statusRecorder{base: c.httpBase(opts)}
		return &mcp.SSEClientTransport{Endpoint: spec.URL, HTTPClient: httpClient(spec, c.status)}, nil
	default:
		c.keeper = newListenKeeper(c.life, spec)
		var base http.RoundTripper = listenWatch{base: c.httpBase(opts), ended: c.keeper.streamEnded}
		if opts.noRoots {
			base = rootsRefuser{base: base}
		}
		c.status = &statusRecorder{base: base}
		return &mcp.StreamableClientTransport{Endpoint: spec.URL, HTTPClient: httpClient(spec, c.status)}, nil
	}
}

// httpBase returns the transport a session's HTTP requests go through: the server's shared
// keep-alive pool, or one of the session's own (closed with it) when there is none.
func (c *conn) httpBase(opts dialOptions) *http.Transport {
	c.http, c.ownHTTP = opts.http, opts.http == nil
	if c.ownHTTP {
		c.http = newHTTPTransport()
	}
	return c.http
}

// newHTTPTransport is the keep-alive pool of one HTTP server's sessions: net/http's defaults,
// with room to keep a connection per concurrent call idle between calls.
func newHTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

func connectError(spec *capability.ServerSpec, c *conn, err error, timedOut bool, start time.Time) error {
	var wire *jsonrpc.Error
	var dial *net.OpError
	var pinned *errPinnedEra
	var config *configError
	switch {
	case errors.As(err, &pinned), errors.As(err, &config):
		// The server answered; the config cannot be used with what it speaks.
	case errors.As(err, &wire) && wire.Code != codeRejectedByTransport:
		// The server answered the handshake with an error: its own words say most.
		err = fmt.Errorf("the server refused the handshake: %s", wire.Message)
		if c.proc != nil {
			if t := strings.TrimSpace(c.proc.stderr.String()); t != "" {
				err = fmt.Errorf("%w; stderr: %s", err, t)
			}
		}
	case timedOut:
		err = fmt.Errorf("no handshake within connect_timeout %s (raise connect_timeout for slow first starts such as npx or uvx): %w",
			spec.ConnectTimeout, context.DeadlineExceeded)
	case c.proc != nil && processGone(c.proc):
		err = fmt.Errorf("handshake: %w", c.proc.exitError())
	case c.proc == nil && spec.Transport == capability.TransportStdio:
		// the command did not start: startError says why, there was no handshake
	case errors.As(err, &dial) && dial.Op == "dial" && dial.Err != nil:
		// No connection at all (refused, unroutable, a name that does not resolve): no handshake
		// began. The message says so in a few words; the error still matches what it wraps.
		cause := dial.Err
		var sys *os.SyscallError
		if errors.As(cause, &sys) {
			cause = sys.Err // "connection refused", not "connect: connection refused"
		}
		err = &redactedError{msg: fmt.Sprintf("cannot reach %s: %v", capability.RedactURL(spec.URL), cause), err: err}
	default:
		err = fmt.Errorf("handshake after %s: %w", time.Since(start).Round(time.Millisecond), err)
	}
	return redact(spec, err)
}

func processGone(p *process) bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// close ends the session: in-flight calls must already be cancelled, since
// ClientSession.Close waits for them. A stdio server's whole process group is terminated.
func (c *conn) close() {
	if c.link != nil {
		if c.link.conn != c { // the dialler's life is the shared session's: it ends with the link
			c.cancel()
		}
		c.link.release()
		return
	}
	c.closeSession()
}

// keep starts the keeper of a 2026-07-28 HTTP session that others share: its change stream is
// re-opened on a listen-only session of its own when it ends, and its lists re-read at the TTL.
func (c *conn) keep(spec *capability.ServerSpec, client *mcp.Client, notify func(kind string)) {
	k := c.keeper
	k.main, k.notify = c.session, notify
	k.reopen = func(ctx context.Context) (func(), error) { // a listen-only session, its streams hooked
		hc := httpClient(spec, &statusRecorder{base: listenWatch{base: c.http, ended: k.streamEnded}})
		cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: spec.URL, HTTPClient: hc},
			&mcp.ClientSessionOptions{ProtocolVersion: c.version})
		if err != nil {
			return nil, err
		}
		return func() { _ = cs.Close() }, nil
	}
	c.runKeeper()
}

// keepStdio starts the keeper of a 2026-07-28 stdio session: SPINE owns the pipes, so the
// probe transport sees the change stream end (the server answers the listen request) and
// re-opens it with a listen request of its own, whose notifications go-sdk handles like its
// own stream's.
func (c *conn) keepStdio(notify func(kind string)) {
	k := c.keeper
	k.main, k.notify = c.session, notify
	k.reopen = func(ctx context.Context) (func(), error) { return nil, c.probe.listen(ctx) }
	c.runKeeper()
}

// runKeeper runs the session's keeper until the session's life ends (closeSession waits).
func (c *conn) runKeeper() {
	c.kept = make(chan struct{})
	go func() {
		defer close(c.kept)
		c.keeper.run()
	}()
}

// ping checks that the server answers, as its era allows: ping in the session era;
// server/discover in the sessionless one, which has no ping (SPINE's own over stdio, a
// request of its own over HTTP).
func (c *conn) ping(ctx context.Context, spec *capability.ServerSpec) error {
	switch {
	case capability.EraOf(c.version) != capability.EraModern:
		return c.session.Ping(ctx, nil)
	case c.probe != nil:
		return c.probe.discover(ctx, c.version)
	default:
		return c.discover(ctx, spec)
	}
}

// discover is the liveness probe of a 2026-07-28 HTTP session, which has no ping: a
// server/discover of its own, on a client without handlers (so that it opens no stream), over
// the session's transport. A server that answers with another era has changed revision.
func (c *conn) discover(ctx context.Context, spec *capability.ServerSpec) error {
	probe := mcp.NewClient(&mcp.Implementation{Name: "spine", Version: Version}, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}})
	cs, err := probe.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: spec.URL, HTTPClient: httpClient(spec, c.http)},
		&mcp.ClientSessionOptions{ProtocolVersion: c.version})
	if err != nil {
		return err
	}
	defer cs.Close()
	if got := cs.InitializeResult().ProtocolVersion; capability.EraOf(got) != capability.EraOf(c.version) {
		return &jsonrpc.Error{Code: mcp.CodeUnsupportedProtocolVersion,
			Message: fmt.Sprintf("the server now speaks protocol %s, not %s", got, c.version)}
	}
	return nil
}

// closeSession ends the session itself (the conn's own, or a link's with its last reference).
func (c *conn) closeSession() {
	closed := make(chan struct{})
	if c.session != nil {
		go func() {
			defer close(closed)
			c.session.Close()
		}()
	} else {
		close(closed)
	}
	if c.proc != nil {
		c.proc.terminate(c.hurry)
	}
	c.cancel()
	<-closed
	if c.kept != nil {
		<-c.kept
	}
	if c.http != nil && c.ownHTTP {
		// Idle keep-alive connections would outlive the session by minutes. The server's
		// shared pool is left alone: its other sessions use those connections, and closing
		// them races with a request being handed one ("http: CloseIdleConnections called",
		// a POST the transport cannot retry). The server closes them when it stops; until
		// then the transport's IdleConnTimeout reaps them.
		c.http.CloseIdleConnections()
	}
}

// headersKey carries per-call HTTP headers on a call's context to headerTransport.
type headersKey struct{}

// withCallHeaders returns ctx carrying the per-call headers h.
func withCallHeaders(ctx context.Context, h map[string][]string) context.Context {
	if len(h) == 0 {
		return ctx
	}
	return context.WithValue(ctx, headersKey{}, h)
}

// headerTransport adds a server's configured headers, and the per-call headers riding on the
// request's context, to every request of a session. The SDK's transports have no header field.
//
// The rule for credentials: a session talks only to the origin (scheme, host and port) of its
// server's url, so its configured headers, its per-call headers and its MCP session id never
// reach another origin. A redirect to another origin is refused (httpClient's CheckRedirect),
// and so is any other request to another origin, such as the message endpoint an SSE server
// names (checked here, also for redirects, as a second line). Same-origin redirects keep the
// headers: each hop comes through here again.
type headerTransport struct {
	base    http.RoundTripper
	server  string // for messages
	origin  string // originOf the server's url
	headers map[string]string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if o := originOf(req.URL); o != t.origin {
		if req.Body != nil { // a RoundTripper closes the body, also when it refuses
			req.Body.Close()
		}
		return nil, &crossOriginError{server: t.server, from: t.origin, to: o}
	}
	perCall, _ := req.Context().Value(headersKey{}).(map[string][]string)
	if len(t.headers) == 0 && len(perCall) == 0 {
		return t.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	for k, vs := range perCall {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return t.base.RoundTrip(req)
}

// httpClient builds the client of one HTTP session over its own transport base, so that
// closing the session can close its connections. It follows redirects within the origin of
// the server's url only (see headerTransport). It has no Timeout on purpose: that would cut
// the long-lived server-to-client stream; calls carry their own deadlines.
func httpClient(spec *capability.ServerSpec, base http.RoundTripper) *http.Client {
	origin := ""
	if u, err := url.Parse(spec.URL); err == nil {
		origin = originOf(u)
	}
	return &http.Client{
		Transport: &headerTransport{base: writeTracker{base: base}, server: spec.Name, origin: origin, headers: spec.Headers},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if o := originOf(req.URL); o != origin {
				return &crossOriginError{server: spec.Name, from: origin, to: o, redirect: true}
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// originOf returns the origin of u as scheme://host:port, in lower case, with the scheme's
// default port spelt out: two URLs have the same origin when these strings are equal. It
// holds no user info, query or path, so it is safe to print.
func originOf(u *url.URL) string {
	scheme, port := strings.ToLower(u.Scheme), u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// crossOriginError is a request of a session to an origin other than its server's url's,
// refused so that no credential leaves that origin.
type crossOriginError struct {
	server   string
	from, to string // origins
	redirect bool
}

func (e *crossOriginError) Error() string {
	what := "request"
	if e.redirect {
		what = "redirect"
	}
	return fmt.Sprintf("%s of server %q from %s to another origin, %s, refused: SPINE sends a server's headers "+
		"and session only to the origin of its url (if the server moved, set url to its new address)",
		what, e.server, e.from, e.to)
}

// redact removes the secrets of a server from err's text — the values of its env, env_vars
// and headers, the user info and query values of its url — and the user info and query
// values of every URL in it (Go's net/http errors quote the whole URL): errors end up in logs.
func redact(spec *capability.ServerSpec, err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	msg, _ := redactString(secretsOf(spec), capability.RedactURLs(text))
	if msg == text {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// secretsOf returns the values of a server's env, of the variables of SPINE's environment
// its env_vars passes on, of its headers (and the token of a "Bearer TOKEN" header), and the
// user info, query values and fragment of its url, worth redacting, longest first.
func secretsOf(spec *capability.ServerSpec) []string {
	var secrets []string
	add := func(v string) {
		if len(v) >= 4 {
			secrets = append(secrets, v)
		}
	}
	for _, v := range spec.Env {
		add(v)
	}
	for _, name := range spec.EnvVars {
		if v, ok := os.LookupEnv(name); ok {
			add(v)
		}
	}
	for _, v := range spec.Headers {
		add(v)
		if _, tok, ok := strings.Cut(v, " "); ok { // "Bearer TOKEN"
			add(tok)
		}
	}
	for _, v := range capability.URLSecrets(spec.URL) {
		add(v)
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	return secrets
}

// redactString replaces every secret in s with "[redacted]" and says whether it did.
func redactString(secrets []string, s string) (string, bool) {
	changed := false
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "[redacted]")
			changed = true
		}
	}
	return s, changed
}

// redactedError shows a redacted message but still matches what it wraps.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

var errNotReady = errors.New("session not ready")

// cancelled is closed once the session's lifetime context ends (on close).
func (c *conn) cancelled() <-chan struct{} { return c.life.Done() }
