package gateway

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/executor"
)

// A sessionless (2026-07-28) client cannot be sent a request of the gateway's own: a question
// an upstream asks in the middle of its call (a tools/call, a prompts/get, a resources/read)
// reaches it as a multi-round-trip input request.
// The upstream call runs on a goroutine of the gateway's (a run) whose Asker hands each
// question to the downstream handler and blocks for the answer. The handler returns the
// call's result when it comes first; when a question comes first, it parks the run under a
// fresh unguessable requestState and answers with that question as an input request. The
// client's next call with that requestState and its inputResponses finds the run, gives the
// answer to the blocked Asker and waits again: the same upstream call goes on, it is never
// sent again. A parked run belongs to one caller (identity) and one target (the tool, prompt
// or resource of the first request); a client that never
// comes back has its question declined after Options.InputTimeout; the parked runs are
// bounded in total and per identity (a question over the bound is declined at once).

// inputKey names the one input request of each round.
const inputKey = "spine"

// parking holds the parked runs of a gateway.
type parking struct {
	wait          time.Duration // how long a parked run waits for its client
	max, perIdent int
	life          context.Context // ends the runs (Drain, Close)
	log           zerolog.Logger

	mu      sync.Mutex
	closed  bool
	byToken map[string]*run
	perID   map[string]int
	wg      sync.WaitGroup // the runs' goroutines
}

func newParking(life context.Context, opts Options) *parking {
	return &parking{
		wait: opts.InputTimeout, max: opts.MaxParked, perIdent: opts.MaxParkedPerIdentity,
		life: life, log: opts.Log, byToken: map[string]*run{}, perID: map[string]int{},
	}
}

// run is one upstream call of a sessionless caller that may ask questions.
type run struct {
	identity, target string // target: "tool NAME", "prompt NAME" or "resource URI"
	cancel           context.CancelFunc
	questions        chan *question // the Asker → the handler following the run
	done             chan callOutcome
	abandoned        chan struct{} // closed when no client will follow the run any more
	abandon          sync.Once
	life             context.Context // the gateway's: ends when it closes

	// while parked (guarded by parking.mu)
	token   string
	pending *question
	timer   *time.Timer
}

type callOutcome struct {
	res mcp.Result // *mcp.CallToolResult, *mcp.GetPromptResult or *mcp.ReadResourceResult
	err error
}

// question is one question of the upstream, answered exactly once (answer has room for it).
type question struct {
	ask    mcp.InputRequest
	answer chan answer
}

type answer struct {
	res mcp.InputResponse
	err error
}

func (r *run) close() { r.abandon.Do(func() { close(r.abandoned) }) }

// declined is the error a question gets when the client cannot answer it.
func declined(why string) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "declined: " + why}
}

// start runs call on a goroutine of p, with an Asker that hands each question to the handler
// following the run. caps says what the client offers. The run's context keeps the values of
// ctx but not its end: the handler following the run cancels it when its own request ends.
func (p *parking) start(ctx context.Context, identity, target string, caps *mcp.ClientCapabilities,
	call func(context.Context) (mcp.Result, error)) (*run, error) {
	r := &run{
		identity: identity, target: target,
		questions: make(chan *question), done: make(chan callOutcome, 1), abandoned: make(chan struct{}),
		life: p.life,
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	a := &executor.Asker{Key: fmt.Sprintf("run %p", r)}
	if caps.Elicitation != nil {
		a.Elicit = func(qctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			res, err := r.ask(qctx, req.Params)
			if err != nil {
				return nil, err
			}
			return res.(*mcp.ElicitResult), nil
		}
	}
	if caps.Sampling != nil {
		a.Sample = func(qctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			res, err := r.ask(qctx, req.Params)
			if err != nil {
				return nil, err
			}
			return res.(*mcp.CreateMessageResult), nil
		}
	}
	rctx = executor.WithAsker(rctx, a)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		cancel()
		return nil, fmt.Errorf("the gateway is closing")
	}
	p.wg.Add(1)
	p.mu.Unlock()
	stopLife := context.AfterFunc(p.life, cancel)
	go func() {
		defer p.wg.Done()
		defer cancel()
		defer stopLife()
		defer r.close() // a question asked after the result is declined
		res, err := call(rctx)
		r.done <- callOutcome{res, err}
	}()
	return r, nil
}

// ended is why a question whose context ended gets no answer: the gateway closing (which ends
// the runs' contexts before it declines their parked questions), or the context's own end.
func (r *run) ended(qctx context.Context) error {
	if r.life.Err() != nil {
		return declined("the gateway is closing")
	}
	return qctx.Err()
}

// ask hands ir to the handler following r and waits for the answer.
func (r *run) ask(qctx context.Context, ir mcp.InputRequest) (mcp.InputResponse, error) {
	q := &question{ask: ir, answer: make(chan answer, 1)}
	select {
	case r.questions <- q:
	case <-r.abandoned:
		return nil, declined("the client that made this call is no longer following it")
	case <-qctx.Done():
		return nil, r.ended(qctx)
	}
	select {
	case a := <-q.answer:
		return a.res, a.err
	case <-qctx.Done():
		return nil, r.ended(qctx)
	}
}

// follow waits, for the request of ctx, for r's result or its next question. A question
// parks r and comes back as the input-required result that needInput makes of it and its
// token. ctx ending while r is not parked cancels r's upstream call.
func (p *parking) follow(ctx context.Context, r *run, needInput func(mcp.InputRequestMap, string) mcp.Result) (mcp.Result, error) {
	stop := context.AfterFunc(ctx, r.cancel)
	for {
		select {
		case out := <-r.done:
			stop()
			return out.res, out.err
		case q := <-r.questions:
			if !stop() { // the request ended as the question came: r is cancelled
				q.answer <- answer{err: ctx.Err()}
				return nil, ctx.Err()
			}
			token, why := p.park(r, q)
			if why != "" {
				q.answer <- answer{err: declined(why)}
				stop = context.AfterFunc(ctx, r.cancel)
				continue
			}
			return needInput(mcp.InputRequestMap{inputKey: q.ask}, token), nil
		case <-ctx.Done():
			return nil, ctx.Err() // r is cancelled; its goroutine ends with its upstream call
		}
	}
}

// park keeps r, waiting on q, under a fresh token until its client comes back or
// p.wait passes; why says why it cannot.
func (p *parking) park(r *run, q *question) (token, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return "", "the gateway is closing"
	case len(p.byToken) >= p.max:
		return "", fmt.Sprintf("%d calls are already waiting for their clients' answers", len(p.byToken))
	case p.perID[r.identity] >= p.perIdent:
		return "", fmt.Sprintf("this caller has %d calls waiting for answers already", p.perID[r.identity])
	}
	token = randomID()
	r.token, r.pending = token, q
	p.byToken[token] = r
	p.perID[r.identity]++
	r.timer = time.AfterFunc(p.wait, func() { p.expire(token) })
	return token, ""
}

// unpark removes r from the parked runs; p.mu is held.
func (p *parking) unpark(r *run) *question {
	delete(p.byToken, r.token)
	if p.perID[r.identity]--; p.perID[r.identity] <= 0 {
		delete(p.perID, r.identity)
	}
	r.timer.Stop()
	q := r.pending
	r.token, r.pending, r.timer = "", nil, nil
	return q
}

// expire declines the question of the run parked under token when its client did not come
// back in time. The upstream decides what its call does then; nobody reads its result.
func (p *parking) expire(token string) {
	p.mu.Lock()
	r, ok := p.byToken[token]
	var q *question
	if ok {
		q = p.unpark(r)
	}
	p.mu.Unlock()
	if !ok {
		return
	}
	r.close()
	q.answer <- answer{err: declined(fmt.Sprintf("the client did not answer within %s", p.wait))}
	p.log.Warn().Str("target", r.target).Dur("waited", p.wait).Msg("a parked call's question was declined: its client did not come back")
}

// roundError refuses a request's requestState or inputResponses: the request is wrong (an
// invalid-params error), whatever the upstream call did.
type roundError struct{ rpc *jsonrpc.Error }

func (e *roundError) Error() string { return e.rpc.Error() }
func (e *roundError) Unwrap() error { return e.rpc }

// errState is the answer to a requestState that leads to no run of the caller's.
func (p *parking) errState(why string) error {
	return &roundError{&jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(
		"requestState %s (a call waits for its answers %s, on the node that took its first request): "+
			"send the request again without requestState", why, p.wait)}}
}

// claim gives the answer in responses to the run parked under state, for the caller
// identity asking for target again, and returns the run to follow again.
func (p *parking) claim(identity, target, state string, responses mcp.InputResponseMap) (*run, error) {
	p.mu.Lock()
	r, ok := p.byToken[state]
	switch {
	case !ok:
		p.mu.Unlock()
		return nil, p.errState("is unknown, expired or already used")
	case r.identity != identity || r.target != target:
		p.mu.Unlock()
		return nil, p.errState(fmt.Sprintf("is not one of this caller's requests for %s", target))
	}
	res, err := fitAnswer(r.pending.ask, responses[inputKey])
	if err != nil {
		p.mu.Unlock()
		return nil, &roundError{&jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("inputResponses[%q]: %v", inputKey, err)}}
	}
	q := p.unpark(r)
	p.mu.Unlock()
	q.answer <- answer{res: res}
	return r, nil
}

// fitAnswer checks that resp answers ask and gives it the type the Asker returns.
func fitAnswer(ask mcp.InputRequest, resp mcp.InputResponse) (mcp.InputResponse, error) {
	if resp == nil {
		return nil, fmt.Errorf("missing: answer the input request %q", inputKey)
	}
	switch ask.(type) {
	case *mcp.ElicitParams:
		if res, ok := resp.(*mcp.ElicitResult); ok {
			return res, nil
		}
		return nil, fmt.Errorf("want an elicitation result (action, content)")
	case *mcp.CreateMessageParams:
		switch res := resp.(type) {
		case *mcp.CreateMessageResult:
			return res, nil
		case *mcp.CreateMessageWithToolsResult:
			if len(res.Content) != 1 {
				return nil, fmt.Errorf("a sampling result with %d content blocks: want one", len(res.Content))
			}
			return &mcp.CreateMessageResult{Meta: res.Meta, Content: res.Content[0], Model: res.Model, Role: res.Role, StopReason: res.StopReason}, nil
		}
		return nil, fmt.Errorf("want a sampling result (role, content, model)")
	}
	return nil, fmt.Errorf("unexpected question %T", ask)
}

// close declines every parked question, cancels the runs (through life) and waits for their
// goroutines.
func (p *parking) close() {
	p.mu.Lock()
	p.closed = true
	var qs []*question
	for _, r := range p.byToken {
		r.close()
		qs = append(qs, p.unpark(r))
	}
	p.mu.Unlock()
	for _, q := range qs {
		q.answer <- answer{err: declined("the gateway is closing")}
	}
	p.wg.Wait()
}

// asking is what a downstream request says about asking it questions in rounds.
type asking struct {
	identity  string // the authenticated caller ("" on an open gateway)
	target    string // "tool NAME", "prompt NAME" or "resource URI"
	state     string // requestState: the next round of a parked run
	responses mcp.InputResponseMap
	version   string                  // the request's protocol version
	caps      *mcp.ClientCapabilities // what the client offers (sessionless: in _meta)
}

func askingOf[P mcp.Params](req *mcp.ServerRequest[P], target, state string, responses mcp.InputResponseMap) asking {
	return asking{identity: identityOf(req.Extra), target: target, state: state, responses: responses,
		version: req.ProtocolVersion(), caps: req.ClientCapabilities()}
}

// callAsking runs call for a downstream request (a tool call, a prompt, a resource read). A
// sessionless client that offers elicitation or sampling is asked the upstream's questions in
// rounds, needInput making the input-required result of its method; a request with a
// requestState goes on with the run parked under it (see claim), call unused; any other
// request runs call as it is.
func callAsking[R mcp.Result](g *Gateway, ctx context.Context, a asking,
	call func(context.Context) (R, error), needInput func(mcp.InputRequestMap, string) R) (R, error) {
	var zero R
	var r *run
	switch {
	case a.state != "":
		claimed, err := g.parked.claim(a.identity, a.target, a.state, a.responses)
		if err != nil {
			return zero, err
		}
		r = claimed
	case a.version < modernVersion || a.caps == nil || (a.caps.Elicitation == nil && a.caps.Sampling == nil):
		return call(ctx)
	default:
		started, err := g.parked.start(ctx, a.identity, a.target, a.caps, func(ctx context.Context) (mcp.Result, error) {
			return call(ctx)
		})
		if err != nil {
			return zero, err
		}
		r = started
	}
	res, err := g.parked.follow(ctx, r, func(ir mcp.InputRequestMap, token string) mcp.Result { return needInput(ir, token) })
	if out, ok := res.(R); ok {
		return out, err
	}
	return zero, err
}

// The input-required results of the three methods.
func needToolInput(ir mcp.InputRequestMap, token string) *mcp.CallToolResult {
	return &mcp.CallToolResult{InputRequests: ir, RequestState: token}
}

func needPromptInput(ir mcp.InputRequestMap, token string) *mcp.GetPromptResult {
	return &mcp.GetPromptResult{InputRequests: ir, RequestState: token}
}

func needResourceInput(ir mcp.InputRequestMap, token string) *mcp.ReadResourceResult {
	return &mcp.ReadResourceResult{InputRequests: ir, RequestState: token}
}

// identityOf is the authenticated subject of a downstream request; "" on an open gateway.
func identityOf(extra *mcp.RequestExtra) string {
	if extra != nil && extra.TokenInfo != nil {
		return extra.TokenInfo.UserID
	}
	return ""
}
