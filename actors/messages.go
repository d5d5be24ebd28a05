package actors

import (
	"encoding/json"
	"time"
)

// Op names what a Request asks of a server.
type Op uint8

// The operations a server actor serves.
const (
	OpCallTool Op = iota + 1
	OpReadResource
	OpGetPrompt
	OpListTools
	OpListResources
	OpListResourceTemplates
	OpListPrompts
	OpServerInfo // the handshake's InitializeResult: server info, instructions, capabilities
)

func (o Op) String() string {
	switch o {
	case OpCallTool:
		return "call_tool"
	case OpReadResource:
		return "read_resource"
	case OpGetPrompt:
		return "get_prompt"
	case OpListTools:
		return "list_tools"
	case OpListResources:
		return "list_resources"
	case OpListResourceTemplates:
		return "list_resource_templates"
	case OpListPrompts:
		return "list_prompts"
	case OpServerInfo:
		return "server_info"
	}
	return "unknown"
}

// isList reports whether the operation reads a list that the pool caches.
func (o Op) isList() bool { return o >= OpListTools && o <= OpListPrompts }

// Request asks a server actor to run one MCP operation on a pooled session. It is plain data:
// arguments travel as JSON, the deadline as a time, so that requests can later cross a process
// boundary. The answer is a *Response sent to the request's sender.
type Request struct {
	ID       uint64          // unique per runtime; Cancel names it
	Op       Op              // what to do
	Name     string          // tool name, resource URI or prompt name
	Args     json.RawMessage // tool arguments (object) or prompt arguments (object of strings)
	Identity string          // pool key part for isolation = "identity"
	Affinity string          // pool key part for isolation = "affinity"
	Session  uint64          // when non-zero, run on this session only (a pinned batch)
	Progress bool            // ask the server for progress notifications (tool calls); see Progress
	// Raw asks for a tool call's result as the server sent it (*RawToolResult), where it can
	// be kept so (rawresult.go); otherwise the result is decoded as usual.
	Raw      bool
	Headers  map[string][]string
	Deadline time.Time // the caller's deadline; zero = only the server's call timeout applies
	// TraceParent and TraceState are the caller's W3C trace context, sent in the request's
	// _meta (tool calls, reads, prompts); "" when the caller does not trace.
	TraceParent, TraceState string
	// Asker answers what the server asks in the middle of this call (elicitation, sampling)
	// for its caller; nil: the runtime's ClientHandlers do (see Asker).
	Asker *Asker

	wantsLane bool // its caller asked for a lane and found none open (lane.go)
}

// Response answers a Request. Result holds the go-sdk result type of the operation
// (*mcp.CallToolResult — or *RawToolResult for Request.Raw —, *mcp.ReadResourceResult,
// *mcp.GetPromptResult, []*mcp.Tool, []*mcp.Resource, []*mcp.ResourceTemplate, []*mcp.Prompt,
// *mcp.InitializeResult): plain, JSON-serialisable data. Failure, when set, says why there is
// no result, as data.
type Response struct {
	ID      uint64
	Result  any
	Failure *Failure
	Session uint64 // the session that served the call (0 if none did)
	Hit     bool   // served by a session that was already open
	// Wait is how long the call waited in the pool for its (last) session. Acquired is when
	// it got it, set only for a call that carries a TraceParent — its pool acquire is
	// recorded after the fact from the two — and zero otherwise: no clock read for the rest.
	Wait     time.Duration
	Acquired time.Time
}

// acquired is how the pool gave a call its session (the Response's Session, Hit, Wait and
// Acquired).
type acquired struct {
	session uint64
	hit     bool
	wait    time.Duration
	at      time.Time
}

// respond answers request id with what the pool said of its session.
func (a acquired) respond(id uint64, result any, f *Failure) *Response {
	return &Response{ID: id, Result: result, Failure: f, Session: a.session, Hit: a.hit, Wait: a.wait, Acquired: a.at}
}

// Progress is a progress notification from the server about request ID, sent to the
// request's sender before its *Response when the request asked for progress.
type Progress struct {
	ID       uint64
	Progress float64
	Total    float64 // 0 when the server does not know
	Message  string
}

// Cancel asks a server actor to abandon request ID: a queued request is answered with
// context.Canceled, an in-flight one has its context cancelled (the server is told).
type Cancel struct{ ID uint64 }

// Pin reserves one session of a pool for a batch of calls; the answer is a *Pinned.
type Pin struct {
	ID       uint64
	Identity string
	Affinity string
	Deadline time.Time
}

// Pinned answers Pin: Session is the reserved session, or Failure why none could be had.
type Pinned struct {
	ID      uint64
	Session uint64
	Failure *Failure
}

// Unpin releases a session reserved by Pin.
type Unpin struct{ Session uint64 }

// Reconnect asks a server actor to replace all of its sessions: idle ones at once,
// busy ones once their in-flight calls are done. The answer is a *Reconnected.
type Reconnect struct{}

// Reconnected answers Reconnect.
type Reconnected struct{ Replaced int }

// Release asks a server actor to end the sessions of one isolation key, whose owner is gone
// (a gateway's downstream session ended): idle ones at once, busy ones once their calls are
// done; calls of the key still waiting are refused. The answer is a *Released.
type Release struct{ Identity, Affinity string }

// Released answers Release.
type Released struct{ Sessions int }

// Drain asks a server actor to refuse new requests and answer with *Drained once no call is
// in flight or the deadline passes; calls still running then are cancelled.
type Drain struct{ Deadline time.Time }

// Drained answers Drain.
type Drained struct{ Cancelled int }
