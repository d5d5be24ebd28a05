package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"

	"github.com/spine-mcp/spine/executor"
)

// The direct path answers the plainest and by far the most frequent request of a legacy
// (2025) HTTP session — a tools/call of an upstream tool, without _meta — itself, instead of
// handing it to go-sdk's streamable handler. That handler decodes each message twice more
// (each time with a decoder that allocates 32 KiB), queues it to the session's connection,
// runs it on a goroutine of its own and hands the answer back through a stream: half the
// gateway's CPU per call and several goroutine switches, for a request whose answer is one
// JSON object. The direct path runs the same middlewares and the same tool handler as go-sdk
// would (directCall), on the request's own goroutine, and writes the same bytes.
//
// It serves only what it is sure of, and passes everything else to go-sdk unchanged:
//   - a session go-sdk has already served (learnSessions): known, initialized, and made by the
//     same subject as the request's (go-sdk's hijacking check);
//   - headers as go-sdk checks them: POST, application/json, Accept of both answers, no
//     Last-Event-ID, the session's own Mcp-Protocol-Version, no 2026 Mcp-Method headers, and
//     no loopback endpoint reached under another host name (go-sdk's DNS-rebinding check);
//   - params of a name and arguments only: no _meta (progress, trace context, protocol
//     version), no requestState;
//   - a tool of an upstream server, as advertised now.
//
// go-sdk closes a session that made no request for its SessionTimeout, and the direct path's
// requests are not seen by it: so the direct path serves a session only within half that
// timeout of the last request go-sdk handled for it, and the next request after that goes to
// go-sdk, which starts the session's timeout again. A session that ends (DELETE, timeout,
// Drain, Close) cancels its direct calls in flight, as go-sdk cancels its own; a client's
// notifications/cancelled reaches them too (cancelDirect).
type directPath struct {
	g       *Gateway
	timeout time.Duration // go-sdk's idle timeout of a session; 0 = none

	mu       sync.Mutex
	sessions map[string]*directSession

	served atomic.Int64 // requests answered directly (tests read them)
	passed atomic.Int64 // of which with the upstream's result passed on as sent
}

// directSession is what the direct path knows of one downstream session.
type directSession struct {
	ss      *mcp.ServerSession
	user    string          // the subject of its requests ("" without auth)
	version string          // the Mcp-Protocol-Version header of its requests
	life    context.Context // ends with the session
	seen    atomic.Int64    // when go-sdk last took a request of it (Unix ns)

	mu    sync.Mutex
	calls map[string]context.CancelFunc // its direct calls in flight, by JSON-RPC id
}

// directKey keys a Handler's directPath in the contexts of the sessions it makes.
type directKey struct{}

func newDirectPath(g *Gateway, timeout time.Duration) *directPath {
	return &directPath{g: g, timeout: timeout, sessions: map[string]*directSession{}}
}

// learnSessions is the outermost receiving middleware: it tells the direct path of the
// Handler that made a session (found in the request's context, which go-sdk derives from the
// session's first HTTP request) that go-sdk took a request of it, and, once go-sdk has served
// one beyond initialize and ping, that the session may be served directly.
func (g *Gateway) learnSessions(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		dp, _ := ctx.Value(directKey{}).(*directPath)
		ss, _ := req.GetSession().(*mcp.ServerSession)
		if dp == nil || ss == nil || ss.ID() == "" {
			return next(ctx, method, req)
		}
		start := time.Now().UnixNano()
		res, err := next(ctx, method, req)
		if err == nil && method != "initialize" && method != "ping" {
			dp.learn(ss, req.GetExtra(), start)
		}
		return res, err
	}
}

// learn notes that go-sdk took a request of ss at start (Unix ns), which it served.
func (dp *directPath) learn(ss *mcp.ServerSession, extra *mcp.RequestExtra, start int64) {
	dp.mu.Lock()
	ds := dp.sessions[ss.ID()]
	if ds == nil {
		if !dp.g.own() { // draining or closed: the session is ending
			dp.mu.Unlock()
			return
		}
		ds = &directSession{ss: ss, calls: map[string]context.CancelFunc{}}
		if extra != nil {
			if extra.TokenInfo != nil {
				ds.user = extra.TokenInfo.UserID
			}
			ds.version = extra.Header.Get("Mcp-Protocol-Version")
		}
		life, end := context.WithCancel(dp.g.calls)
		ds.life = life
		dp.sessions[ss.ID()] = ds
		go func() { // owned by the gateway: ends with the session, which Drain and Close end
			defer dp.g.wg.Done()
			_ = ss.Wait()
			dp.mu.Lock()
			delete(dp.sessions, ss.ID())
			dp.mu.Unlock()
			end()
		}()
	}
	dp.mu.Unlock()
	for seen := ds.seen.Load(); start > seen && !ds.seen.CompareAndSwap(seen, start); seen = ds.seen.Load() {
	}
}

// session returns the session of r that the direct path may serve now, or nil.
func (dp *directPath) session(r *http.Request) *directSession {
	id := r.Header.Get("Mcp-Session-Id")
	if id == "" {
		return nil
	}
	dp.mu.Lock()
	ds := dp.sessions[id]
	dp.mu.Unlock()
	if ds == nil || ds.life.Err() != nil {
		return nil
	}
	if dp.timeout > 0 && time.Now().UnixNano()-ds.seen.Load() >= int64(dp.timeout/2) {
		return nil // go-sdk's turn: it starts the session's idle timeout again
	}
	return ds
}

// serve answers r (whose body is p) directly, or reports false having written nothing.
func (dp *directPath) serve(w http.ResponseWriter, r *http.Request, p peek) bool {
	if !p.single || p.method != "tools/call" || !plainID(p.id) {
		return false
	}
	ds := dp.session(r)
	if ds == nil || !plainHeaders(r, ds.version) {
		return false
	}
	info := auth.TokenInfoFromContext(r.Context())
	if user := userOf(info); user != ds.user {
		return false
	}
	var params struct {
		Name           string          `json:"name"`
		Arguments      json.RawMessage `json:"arguments"`
		Meta           json.RawMessage `json:"_meta"`
		RequestState   json.RawMessage `json:"requestState"`
		InputResponses json.RawMessage `json:"inputResponses"`
	}
	if len(p.params) == 0 || p.params[0] != '{' {
		return false
	}
	rest, err := segjson.Parse(p.params, &params, segjson.ZeroCopy|segjson.DontMatchCaseInsensitiveStructFields)
	if err != nil || len(bytes.TrimSpace(rest)) != 0 || params.Name == "" ||
		params.Meta != nil || params.RequestState != nil || params.InputResponses != nil {
		return false
	}
	if dp.g.cat.upstreamTool(params.Name) == nil {
		return false // not an upstream tool (or not now): go-sdk says what it is
	}

	ctx, cancel := context.WithCancel(ds.life)
	defer cancel()
	id := string(p.id)
	if !ds.track(id, cancel) {
		return false // the same id in flight twice: go-sdk's to answer
	}
	defer ds.untrack(id)
	dp.served.Add(1)
	req := &mcp.CallToolRequest{
		Session: ds.ss,
		Params:  &mcp.CallToolParamsRaw{Name: params.Name, Arguments: params.Arguments},
		Extra:   &mcp.RequestExtra{TokenInfo: info, Header: r.Header},
	}
	// The upstream's result, where it can be passed on as the server sent it: go-sdk's client
	// then decodes nothing, and the answer re-encodes nothing.
	raw := &executor.RawToolResult{}
	// The call runs on this request's goroutine, a connection's (executor.WithLane).
	res, err := dp.g.directChain(executor.WithLane(executor.WithRawToolResult(ctx, raw)), "tools/call", req)
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("Content-Type", "application/json")
	switch result, _ := res.(*mcp.CallToolResult); {
	case err == nil && result != nil && result == raw.Result:
		dp.passed.Add(1)
		_, _ = w.Write(rpcRawAnswer(p.id, raw.JSON))
	case err == nil && result != nil && result.Content == nil:
		out := *result
		out.Content = []mcp.Content{} // as go-sdk answers: [], not null
		_, _ = w.Write(rpcAnswer(p.id, &out, nil))
	default:
		_, _ = w.Write(rpcAnswer(p.id, res, err))
	}
	return true
}

// rpcRawAnswer is the JSON-RPC response to request id whose result is the JSON result.
func rpcRawAnswer(id, result json.RawMessage) []byte {
	out := make([]byte, 0, len(`{"jsonrpc":"2.0","id":,"result":}`)+len(id)+len(result))
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"result":`...)
	out = append(out, result...)
	return append(out, '}')
}

// cancelDirect cancels the direct call that a client's notifications/cancelled names (its
// params are p); go-sdk gets the notification too, for its own calls.
func (dp *directPath) cancelDirect(r *http.Request, p peek) {
	ds := dp.session(r)
	if ds == nil {
		return
	}
	var params struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	if err := json.Unmarshal(p.params, &params); err != nil || len(params.RequestID) == 0 {
		return
	}
	ds.mu.Lock()
	cancel := ds.calls[string(params.RequestID)]
	ds.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// track notes a direct call in flight under its JSON-RPC id, refusing one already there.
func (ds *directSession) track(id string, cancel context.CancelFunc) bool {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if _, dup := ds.calls[id]; dup {
		return false
	}
	ds.calls[id] = cancel
	return true
}

func (ds *directSession) untrack(id string) {
	ds.mu.Lock()
	delete(ds.calls, id)
	ds.mu.Unlock()
}

// callUpstreamTool is the innermost handler of the direct path (Gateway.directChain, which
// runs the middlewares of go-sdk's server before it): the handler of the upstream tool a
// tools/call names, answered as go-sdk's server answers — a tool gone is invalid params
// (serve writes no content as [], not null, as go-sdk does).
func (g *Gateway) callUpstreamTool(ctx context.Context, _ string, req mcp.Request) (mcp.Result, error) {
	call := req.(*mcp.CallToolRequest)
	h := g.cat.upstreamTool(call.Params.Name)
	if h == nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unknown tool \"" + call.Params.Name + "\""}
	}
	res, err := h(ctx, call)
	if err == nil && res != nil && res.InputRequests != nil {
		// A legacy session is asked in passing (asks.go), never in rounds.
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "server bug: input requests for a legacy session"}
	}
	return res, err
}

// rpcAnswer is the JSON-RPC response to request id with res or err, as go-sdk writes it: the
// error's message, and the code of the JSON-RPC error it wraps (0 for none).
func rpcAnswer(id json.RawMessage, res mcp.Result, err error) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"jsonrpc":"2.0","id":`)
	buf.Write(id)
	if err == nil {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		buf.WriteString(`,"result":`)
		mark := buf.Len()
		if err = enc.Encode(res); err == nil {
			buf.Truncate(buf.Len() - 1) // Encode's newline
			buf.WriteByte('}')
			return buf.Bytes()
		}
		buf.Truncate(mark - len(`,"result":`))
		err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "encoding the result: " + err.Error()}
	}
	wire := &jsonrpc.Error{Message: err.Error()}
	if re := (*jsonrpc.Error)(nil); errors.As(err, &re) {
		wire.Code, wire.Data = re.Code, re.Data
	}
	data, _ := json.Marshal(wire) // a code, a string and raw JSON always marshal
	buf.WriteString(`,"error":`)
	buf.Write(data)
	buf.WriteByte('}')
	return buf.Bytes()
}

// plainID reports whether a JSON-RPC id is one go-sdk writes back byte for byte: an integer
// without sign, fraction or exponent, or a string without escapes.
func plainID(id json.RawMessage) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	if id[0] == '"' {
		return len(id) >= 2 && id[len(id)-1] == '"' && bytes.IndexByte(id[1:len(id)-1], '\\') < 0 &&
			bytes.IndexByte(id[1:len(id)-1], '"') < 0
	}
	if len(id) > 1 && id[0] == '0' {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(id) <= 18 // within int64
}

// plainHeaders reports whether r's headers are those go-sdk's handler accepts of a legacy
// session's POST whose protocol version header is version.
func plainHeaders(r *http.Request, version string) bool {
	h := r.Header
	if r.Method != http.MethodPost || h.Get("Mcp-Protocol-Version") != version || version >= modernVersion ||
		h.Get("Last-Event-ID") != "" || h.Get("Mcp-Method") != "" || !jsonContent(h.Get("Content-Type")) {
		return false
	}
	if !acceptsBoth(h.Values("Accept")) {
		return false
	}
	// go-sdk refuses a loopback endpoint reached under another host name (DNS rebinding).
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && local != nil &&
		isLoopback(local.String()) && !isLoopback(r.Host) {
		return false
	}
	return true
}

// jsonContent reports whether a Content-Type is application/json, parameters aside.
func jsonContent(ct string) bool {
	if ct == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// acceptsBoth reports whether Accept values admit both application/json and
// text/event-stream, as go-sdk requires of a POST.
func acceptsBoth(values []string) bool {
	var json, stream bool
	for _, v := range values {
		for token := range strings.SplitSeq(v, ",") {
			base, _, _ := strings.Cut(token, ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				json = true
			case "text/event-stream", "text/*":
				stream = true
			case "*/*":
				json, stream = true, true
			}
		}
	}
	return json && stream
}

// isLoopback reports whether HOST[:PORT] names a loopback address or localhost, exactly as
// go-sdk's handler decides it.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// userOf is the subject of a request's token, "" without one.
func userOf(info *auth.TokenInfo) string {
	if info == nil {
		return ""
	}
	return info.UserID
}
