package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
)

// RuntimeOptions configures a Runtime.
type RuntimeOptions struct {
	Log      zerolog.Logger // SPINE's logs; protoactor's own go here too, at warn and above
	EventLog EventHook      // how events are logged; nil = LogEvents(Log)
	Events   EventHook      // also receives every pool and lifecycle event, after it is logged
	Handlers ClientHandlers // what servers may ask of the client; the zero value declares nothing
	// NameError gives a failure named after its server and operation the shape its callers
	// see (the executor's own error type). It is applied once, where the error is made (a
	// Do, Pin or Reconnect; a workflow step), so that errors.As finds that shape at any depth
	// of a wrapped error. Default: the *CallError itself.
	NameError func(*CallError) error
}

// Runtime is a running actor tree for one project: the app actor and one server actor per
// enabled server. It is the mechanism under the executor: it sends requests to server
// actors and waits for their answers together with the caller's context.
type Runtime struct {
	system  *actor.ActorSystem
	app     *actor.PID
	servers map[string]*serverHandle
	order   []string
	ids     atomic.Uint64

	nameError errorNamer

	closeOnce sync.Once
	closeErr  error
	teardown  *teardown
	mailboxes *runners      // the goroutines that run the server and session actors' mailboxes
	shutdown  chan struct{} // closed once the actor system is shut down
}

type serverHandle struct {
	pid     *actor.PID
	stats   *ServerStats
	spec    capability.ServerSpec
	replies *callReplies // the reply address of the requests sent to pid
	lanes   *laneSlot    // the server's open lane (lane.go); nil: the server has none
}

// init registers the handle's reply address in system.
func (h *serverHandle) init(system *actor.ActorSystem) {
	h.replies = newCallReplies(system, h.spec.Name)
}

// Start builds the actor tree for project's enabled servers. Sessions open lazily, except
// min_sessions, which open now in the background.
func Start(project *capability.Project, opts RuntimeOptions) (*Runtime, error) {
	log := opts.Log
	// A caller's hook adds to logging, it does not replace it.
	events := opts.EventLog
	if events == nil {
		events = LogEvents(log)
	}
	if hook := opts.Events; hook != nil {
		logged := events
		events = func(e Event) {
			logged(e)
			hook(e)
		}
	}
	system := actorSystem()
	td := newTeardown()
	mailboxes := newRunners(maxIdleMailboxRunners)
	servers := serverOptions(project, events, log, td, mailboxes)
	for i := range servers {
		servers[i].Handlers = opts.Handlers
	}
	// The app actor's name is unique in the process's actor system (see actorSystem).
	app, err := system.Root.SpawnNamed(newAppProps(servers), "spine-"+strings.TrimPrefix(system.ProcessRegistry.NextId(), "$"))
	if err != nil {
		mailboxes.close()
		return nil, fmt.Errorf("start actor system: %w", err)
	}
	res, err := system.Root.RequestFuture(app, &serversQuery{}, askTimeout).Result()
	if err != nil {
		_ = system.Root.StopFuture(app).Wait()
		mailboxes.close()
		return nil, fmt.Errorf("start actor system: %w", err)
	}
	pids := res.(*serversAnswer).pids
	rt := &Runtime{system: system, app: app, servers: map[string]*serverHandle{}, teardown: td, mailboxes: mailboxes,
		nameError: errorNamer(opts.NameError), shutdown: make(chan struct{})}
	shared.logs.add(rt, log)
	for i, o := range servers {
		h := &serverHandle{pid: pids[i], stats: o.Stats, spec: o.Spec, lanes: o.lanes}
		h.init(system)
		rt.servers[o.Spec.Name] = h
		rt.order = append(rt.order, o.Spec.Name)
	}
	return rt, nil
}

// Servers returns the names of the running servers in config order.
func (rt *Runtime) Servers() []string { return append([]string(nil), rt.order...) }

// Spec returns the configuration a server runs with.
func (rt *Runtime) Spec(server string) (capability.ServerSpec, bool) {
	h, ok := rt.servers[server]
	if !ok {
		return capability.ServerSpec{}, false
	}
	return h.spec, true
}

// ServerPID returns the server actor of server, for actors that send it requests themselves
// (workflow runs, capability scans). Answers go to the request's sender.
func (rt *Runtime) ServerPID(server string) (*actor.PID, error) {
	h, err := rt.handle(server)
	if err != nil {
		return nil, rt.nameError.name(server, nil, err)
	}
	return h.pid, nil
}

// NextID returns a request id unique in this runtime.
func (rt *Runtime) NextID() uint64 { return rt.ids.Add(1) }

// handle returns server's handle, or the failure of an unknown server (not named yet).
func (rt *Runtime) handle(server string) (*serverHandle, error) {
	h, ok := rt.servers[server]
	if !ok {
		known := strings.Join(rt.order, ", ")
		if known == "" {
			known = "none"
		}
		return nil, refused(ReasonUnknownServer, fmt.Errorf("unknown server (configured and enabled: %s)", known))
	}
	return h, nil
}

// Do sends req to the server actor of server and waits for its answer or for ctx. The
// request's ID is set here and its Deadline from ctx. When ctx ends first the call is
// cancelled on its session. A failure is a *CallError naming the server and the operation.
func (rt *Runtime) Do(ctx context.Context, server string, req *Request) (*Response, error) {
	h, herr := rt.handle(server)
	if herr != nil {
		return nil, rt.nameError.name(server, req, herr)
	}
	if err := ctx.Err(); err != nil {
		return nil, rt.nameError.name(server, req, contextFailure(err, ClassNotSent))
	}
	req.ID = rt.NextID()
	if dl, ok := ctx.Deadline(); ok {
		req.Deadline = dl
	}
	msg, err := rt.call(ctx, h, req)
	if err != nil {
		return nil, rt.nameError.name(server, req, err)
	}
	resp, ok := msg.(*Response)
	if !ok {
		return nil, rt.nameError.name(server, req, errServerGone)
	}
	if resp.Failure != nil {
		return resp, rt.nameError.name(server, req, resp.Failure)
	}
	return resp, nil
}

// contextFailure is the failure of an operation whose caller's context ended: class says
// whether it may have been sent.
func contextFailure(err error, class Class) *Failure {
	if errors.Is(err, context.DeadlineExceeded) {
		if class == ClassMaybeRan {
			class = ClassTimeout
		}
		return failure(class, ReasonDeadline, err)
	}
	return failure(class, ReasonCanceled, err)
}

// call sends req to h's server actor with h's shared reply address and waits for the answer
// or ctx; when ctx ends first, the call is cancelled on its session. This is the hot path:
// it registers no process and allocates nothing beyond protoactor's envelope.
func (rt *Runtime) call(ctx context.Context, h *serverHandle, req *Request) (any, error) {
	var progress chan *Progress
	if req.Asker == nil {
		req.Asker = askerFrom(ctx)
	}
	onProgress := progressFunc(ctx)
	if onProgress != nil && req.Op == OpCallTool {
		req.Progress = true
		progress = h.replies.expectProgress(req.ID)
		defer h.replies.stopProgress(req.ID)
	}
	if h.lanes != nil && laneable(req) && wantsLane(ctx) && h.spec.ToolAllowed(req.Name) {
		if msg, err, ok := rt.onLane(ctx, h, req); ok {
			return msg, err
		}
	}
	ch := h.replies.expect(req.ID)
	rt.system.Root.RequestWithCustomSender(h.pid, req, h.replies.pid)
	return rt.await(ctx, h, req, ch, progress, onProgress)
}

// await waits for the answer to req on ch (and for its progress notifications), or for ctx:
// when ctx ends first, the call is cancelled on its session.
func (rt *Runtime) await(ctx context.Context, h *serverHandle, req *Request, ch chan any, progress chan *Progress, onProgress func(Progress)) (any, error) {
	for {
		select {
		case p := <-progress:
			onProgress(*p)
		case m := <-ch:
			h.replies.received(ch)
			for len(progress) > 0 { // notifications sent before the answer come first
				onProgress(*<-progress)
			}
			if _, dead := m.(*actor.DeadLetterResponse); dead {
				return nil, errServerGone
			}
			return m, nil
		case <-ctx.Done():
			h.replies.forget(req.ID, ch)
			rt.system.Root.Send(h.pid, &Cancel{ID: req.ID})
			return nil, contextFailure(ctx.Err(), ClassMaybeRan)
		}
	}
}

// ask sends msg with a channel-backed reply address and waits for the answer or ctx.
func (rt *Runtime) ask(ctx context.Context, pid *actor.PID, msg any, onCancel func()) (any, error) {
	reply, ch := newReply(rt.system)
	rt.system.Root.RequestWithCustomSender(pid, msg, reply)
	select {
	case m := <-ch:
		if _, dead := m.(*actor.DeadLetterResponse); dead {
			return nil, errServerGone
		}
		return m, nil
	case <-ctx.Done():
		if onCancel != nil {
			onCancel()
		}
		return nil, contextFailure(ctx.Err(), ClassNotSent)
	}
}

// Pin reserves a session of server for a batch; Unpin releases it.
func (rt *Runtime) Pin(ctx context.Context, server, identity, affinity string) (uint64, error) {
	h, herr := rt.handle(server)
	if herr != nil {
		return 0, rt.nameError.name(server, nil, herr)
	}
	pin := &Pin{ID: rt.NextID(), Identity: identity, Affinity: affinity}
	if dl, ok := ctx.Deadline(); ok {
		pin.Deadline = dl
	}
	msg, err := rt.ask(ctx, h.pid, pin, func() { rt.system.Root.Send(h.pid, &Cancel{ID: pin.ID}) })
	if err != nil {
		return 0, rt.nameError.name(server, nil, err)
	}
	p, ok := msg.(*Pinned)
	if !ok {
		return 0, rt.nameError.name(server, nil, errServerGone)
	}
	if p.Failure != nil {
		return 0, rt.nameError.name(server, nil, p.Failure)
	}
	if ctx.Err() != nil { // pinned just as the caller gave up
		rt.Unpin(server, p.Session)
		return 0, rt.nameError.name(server, nil, contextFailure(ctx.Err(), ClassNotSent))
	}
	return p.Session, nil
}

// Unpin releases a session reserved by Pin.
func (rt *Runtime) Unpin(server string, session uint64) {
	if h, ok := rt.servers[server]; ok {
		rt.system.Root.Send(h.pid, &Unpin{Session: session})
	}
}

// Reconnect replaces all sessions of server.
func (rt *Runtime) Reconnect(ctx context.Context, server string) error {
	h, herr := rt.handle(server)
	if herr != nil {
		return rt.nameError.name(server, nil, herr)
	}
	if _, err := rt.ask(ctx, h.pid, &Reconnect{}, nil); err != nil {
		return rt.nameError.name(server, nil, err)
	}
	return nil
}

// ReleaseAffinity ends the sessions of affinity key on every server whose isolation is
// "affinity" (see Release); it returns how many sessions it ends. The processes stop in the
// background, bounded as every teardown is; Close waits for them.
func (rt *Runtime) ReleaseAffinity(ctx context.Context, key string) (int, error) {
	total := 0
	var errs []error
	for _, name := range rt.order {
		h := rt.servers[name]
		if h.spec.Isolation != capability.IsolationAffinity {
			continue
		}
		ans, err := rt.ask(ctx, h.pid, &Release{Affinity: key}, nil)
		if err != nil {
			errs = append(errs, rt.nameError.name(name, nil, err))
			continue
		}
		total += ans.(*Released).Sessions
	}
	return total, errors.Join(errs...)
}

// Subscribe has pid told (*ListChanged) when server's lists change.
func (rt *Runtime) Subscribe(server string, pid *actor.PID) error {
	h, herr := rt.handle(server)
	if herr != nil {
		return rt.nameError.name(server, nil, herr)
	}
	rt.system.Root.Send(h.pid, &Subscribe{PID: pid})
	return nil
}

// System returns the actor system, for tests that send messages to actors of the tree.
func (rt *Runtime) System() *actor.ActorSystem { return rt.system }

// spawnWork has the app actor spawn props as its child named name — a workflow run or a
// capability scan —, so that Close stops it with the rest of the tree and waits for it. Once
// Close has begun it spawns nothing (errClosing), and Close does not begin while a spawn is
// under way, so that no child escapes it.
func (rt *Runtime) spawnWork(props *actor.Props, name string) (*actor.PID, error) {
	var pid *actor.PID
	err := rt.teardown.whileOpen(func() error {
		res, err := rt.system.Root.RequestFuture(rt.app, &spawnWork{props: props, name: name}, askTimeout).Result()
		if err != nil {
			return err
		}
		answer, ok := res.(*spawnedWork)
		if !ok {
			return errClosing
		}
		pid = answer.pid
		return answer.err
	})
	return pid, err
}

// Stats returns a snapshot of every server's counters.
func (rt *Runtime) Stats() map[string]StatsSnapshot {
	out := make(map[string]StatsSnapshot, len(rt.servers))
	for name, h := range rt.servers {
		out[name] = h.stats.Snapshot()
	}
	return out
}

// Close drains in-flight calls until ctx's deadline (DefaultDrainTimeout without one), cancels
// what still runs, then stops the servers last to first, the sessions of each server all at
// once, each ending its process group. No server process starts once Close has begun. Close
// returns once every process of every group is gone, and, whatever the number of sessions,
// within the deadline plus one kill grace: past the deadline the teardown hurries — grace
// periods are skipped and process groups killed at once. It is idempotent.
//
// A ctx that is already done skips the drain and the grace periods of the teardown: calls in
// flight are cancelled and process groups are killed at once. Such a Close also hurries a
// Close under way (the second Ctrl-C of a CLI), and returns when that one is done.
func (rt *Runtime) Close(ctx context.Context) error {
	if ctx.Err() != nil {
		rt.teardown.rush()
	}
	rt.closeOnce.Do(func() { rt.closeErr = rt.close(ctx) })
	return rt.closeErr
}

func (rt *Runtime) close(ctx context.Context) error {
	rt.teardown.begin()
	deadline, ok := ctx.Deadline()
	switch {
	case ctx.Err() != nil:
		deadline = time.Now()
	case !ok:
		deadline = time.Now().Add(DefaultDrainTimeout)
	}
	var wg sync.WaitGroup
	for _, h := range rt.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The drain answers by the deadline: the server cancels what still runs then.
			f := rt.system.Root.RequestFuture(h.pid, &Drain{Deadline: deadline}, max(time.Until(deadline), 0)+drainAnswerSlack)
			drained := make(chan struct{})
			go func() {
				_, _ = f.Result()
				close(drained)
			}()
			select {
			case <-drained:
			case <-rt.teardown.hurried():
				rt.system.Root.Send(h.pid, &drainExpired{}) // cancel what still runs now
				<-drained
			}
		}()
	}
	wg.Wait()
	// From the deadline on, the teardown skips its graces (at once if it has passed).
	hurry := time.AfterFunc(time.Until(deadline), rt.teardown.rush)
	defer hurry.Stop()
	err := rt.system.Root.StopFuture(rt.app).Wait()
	// StopFuture gives up after 10 s, and no server process may outlive Close.
	rt.teardown.waitReleased()
	shared.logs.remove(rt)
	rt.mailboxes.close()
	close(rt.shutdown)
	if err != nil && !errors.Is(err, actor.ErrTimeout) {
		return err
	}
	return nil
}
