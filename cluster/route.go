package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// sessionHeader is the legacy downstream session's id.
const sessionHeader = "Mcp-Session-Id"

// handleArg is the argument by which a sessionless client names its spine_session handle
// (gateway.SessionArg).
const handleArg = "spine_session"

// handlePrefix starts every spine_session handle; the rest is an id of the Signer.
const handlePrefix = "h-"

// Route wraps the gateway's handler: a request to path (the MCP endpoint, "/mcp") that names
// a session — a legacy Mcp-Session-Id, or a spine_session handle in a tools/call — is
// verified first: an id this cluster did not mint gets 404 and goes nowhere. A session of
// this node is served by next; one of a peer is forwarded to it and its answer relayed. A
// session whose node is gone gets 404 (legacy: the client initializes again, on a live node)
// or a tool error saying the handle's state is gone. Everything else — initialize, shared
// servers, the operations endpoints — is served here by next.
func (n *Node) Route(path string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(sessionHeader)
		var body []byte
		var rpcID json.RawMessage
		if r.Method == http.MethodPost && r.Body != nil {
			var err error
			if body, err = io.ReadAll(io.LimitReader(r.Body, n.cfg.MaxBodyBytes+1)); err != nil {
				http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
				return
			}
			if int64(len(body)) > n.cfg.MaxBodyBytes {
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body)) // next says 413
				next.ServeHTTP(w, r)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		method, tool, rpcID, handleID := peekRequest(body)
		handle := false
		if id == "" {
			id, handle = handleID, handleID != ""
			if method == "initialize" && n.leaving.Load() {
				http.Error(w, "this node is leaving the cluster: initialize on another node", http.StatusServiceUnavailable)
				return
			}
		}
		if id == "" {
			next.ServeHTTP(w, r)
			return
		}
		owner, err := n.signer.Owner(strings.TrimPrefix(id, handlePrefix))
		if err == nil && owner != n.self && !n.peers[owner] {
			err = fmt.Errorf("session of %s, which is not a peer of this node", owner)
		}
		if err != nil {
			n.stats.rejected.Add(1)
			n.cfg.Log.Warn().Err(err).Str("remote", r.RemoteAddr).Msg("refused a session id")
			notFound(w, handle, rpcID, "session not found: "+ErrBadID.Error())
			return
		}
		if owner == n.self {
			next.ServeHTTP(w, r)
			return
		}
		if !handle && method == "tools/call" && n.servesHere(tool) {
			// A shared server's call: served here, without the session (which lives on its
			// owner), as a sessionless request; the answer is the same.
			n.stats.sharedHere.Add(1)
			r.Header.Del(sessionHeader)
			r.Header.Del("Mcp-Protocol-Version")
			next.ServeHTTP(w, r)
			return
		}
		if !n.isDown(owner) && n.forward(w, r, owner, body) {
			return
		}
		n.stats.ownerLost.Add(1)
		if handle {
			staleHandle(w, rpcID)
			return
		}
		notFound(w, false, nil, "session not found: "+errOwnerLost.Error()+"; initialize a new session")
	})
}

// peekRequest returns a single JSON-RPC request's method and id, and for a tools/call the
// tool's name and its spine_session argument.
func peekRequest(body []byte) (method, tool string, id json.RawMessage, handle string) {
	var msg struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
		Params struct {
			Name      string                     `json:"name"`
			Arguments map[string]json.RawMessage `json:"arguments"`
		} `json:"params"`
	}
	if len(body) == 0 || json.Unmarshal(body, &msg) != nil {
		return "", "", nil, ""
	}
	if msg.Method == "tools/call" {
		tool = msg.Params.Name
		_ = json.Unmarshal(msg.Params.Arguments[handleArg], &handle)
	}
	return msg.Method, tool, msg.ID, handle
}

// ErrStaleHandle: a spine_session handle whose node is gone, and its upstream state with it.
var ErrStaleHandle = errors.New("the spine_session handle's node is gone, and the session's state with it: open a new one with <server>__open_session")

// notFound answers 404: as JSON-RPC when the request named a handle, in plain text otherwise
// (a legacy client takes a 404 on its session id as "initialize again").
func notFound(w http.ResponseWriter, rpc bool, id json.RawMessage, message string) {
	if !rpc {
		http.Error(w, message, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"jsonrpc": "2.0", "id": id,
		"error": map[string]any{"code": -32001, "message": message}})
}

// staleHandle answers a tools/call on a stale handle with a tool error, as the gateway
// answers an unknown handle: the model reads why and opens a new session.
func staleHandle(w http.ResponseWriter, id json.RawMessage) {
	writeJSON(w, http.StatusOK, map[string]any{"jsonrpc": "2.0", "id": id, "result": map[string]any{
		"isError": true,
		"content": []any{map[string]any{"type": "text", "text": ErrStaleHandle.Error()}},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
