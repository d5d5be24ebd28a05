package actors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/capability"
)

// spawn opens one more session in pool p, unless the circuit forbids it or the server has
// max_total_sessions session actors alive (stopping ones included: their processes may
// still run).
func (s *serverActor) spawn(ctx actor.Context, p *pool) *sessionRef {
	if len(s.sessions) >= s.spec.TotalSessions() || !s.circuit.allowConnect(time.Now()) {
		return nil
	}
	id := sessionIDs.Add(1)
	var headers map[string][]string
	if s.spec.Isolation == capability.IsolationIdentity {
		headers = p.identityHeaders()
	}
	props := newSessionProps(id, s.deps, s.tools == nil, headers)
	pid, err := ctx.SpawnNamed(props, "session-"+strconv.FormatUint(id, 10))
	if err != nil {
		s.log.Error().Err(err).Str("server", s.spec.Name).Msg("spawn session actor")
		return nil
	}
	now := time.Now()
	r := &sessionRef{id: id, pid: pid, pool: p, state: stateConnecting, created: now, lastUsed: now}
	p.sessions = append(p.sessions, r)
	s.sessions[id] = r
	s.byPID[pid.Id] = r
	s.stats.created.Add(1)
	if s.streak > 0 {
		s.stats.restarts.Add(1)
	}
	return r
}

// grow opens a session for calls that wait while the pool is below its cap and no session
// being opened or probed would take them. After failures it waits out a backoff first
// (afterBackoff says that this call is the end of one).
func (s *serverActor) grow(ctx actor.Context, p *pool, afterBackoff bool) {
	if p.waiting.len() == 0 || s.drain != nil {
		return
	}
	live, coming := p.counts()
	if live >= p.maxSize || coming*s.spec.MaxInflight >= p.waiting.demand(s.spec.MaxInflight) {
		return
	}
	if len(s.sessions) >= s.spec.TotalSessions() {
		s.makeRoom(ctx, p)
		return
	}
	if !s.backoffServed(ctx, p, afterBackoff) {
		return
	}
	if s.spawn(ctx, p) != nil {
		p.waiting.markSpawned()
	}
}

// backoffServed reports whether a session may be opened now, scheduling a respawn after the
// backoff due for the current failure streak otherwise.
func (s *serverActor) backoffServed(ctx actor.Context, p *pool, afterBackoff bool) bool {
	if afterBackoff {
		return true
	}
	if _, pending := s.respawns[p.key]; pending {
		return false
	}
	if d := restartBackoff.delay(s.streak); d > 0 {
		s.scheduleRespawn(ctx, p, d)
		return false
	}
	return true
}

// replenish keeps min_sessions open and grows for waiting calls, with backoff after failures.
func (s *serverActor) replenish(ctx actor.Context, p *pool, afterBackoff bool) {
	if s.drain != nil {
		return
	}
	if live, _ := p.counts(); live < p.minSize && s.backoffServed(ctx, p, afterBackoff) {
		for ; live < p.minSize && s.spawn(ctx, p) != nil; live++ {
		}
		afterBackoff = true // this round's backoff covers growth too
	}
	s.grow(ctx, p, afterBackoff)
	s.recount()
}

func (s *serverActor) scheduleRespawn(ctx actor.Context, p *pool, d time.Duration) {
	s.events(Event{Kind: EventBackoff, Server: s.spec.Name, Pool: p.key, Duration: d})
	root, self, key := ctx.ActorSystem().Root, s.self, p.key
	s.respawns[key] = time.AfterFunc(d, func() { root.Send(self, &respawn{pool: key}) })
}

func (s *serverActor) sessionReady(ctx actor.Context, m *sessionReady) {
	r := s.sessions[m.session]
	if r == nil || r.state != stateConnecting {
		return
	}
	r.state, r.lastUsed = stateReady, time.Now()
	s.everReady = true
	if s.circuit.succeeded() {
		s.stats.circuit.Store(circuitClosed.String())
		s.events(Event{Kind: EventCircuitClosed, Server: s.spec.Name})
	}
	if m.toolsErr == nil && m.tools != nil {
		s.learnTools(m.tools)
	}
	s.events(Event{Kind: EventSessionOpened, Server: s.spec.Name, Session: r.id, Pool: r.pool.key, Duration: m.handshake})
	s.pump(ctx, r.pool)
}

// sessionLost handles a session that could not connect or that died.
func (s *serverActor) sessionLost(ctx actor.Context, m *sessionLost) {
	r := s.sessions[m.session]
	if r == nil || r.state == stateDead {
		return
	}
	if !m.connect {
		s.sessionFailed(ctx, r, m.err)
		return
	}
	now := time.Now()
	r.state = stateDead
	r.pool.remove(r)
	ctx.Stop(r.pid)
	s.streak++
	s.events(Event{Kind: EventConnectFailed, Server: s.spec.Name, Session: r.id, Pool: r.pool.key, Err: m.err})
	if s.circuit.failed(now, m.err) {
		s.stats.circuit.Store(circuitOpen.String())
		s.events(Event{Kind: EventCircuitOpened, Server: s.spec.Name, Duration: s.spec.CircuitReset, Err: m.err})
	}
	// Callers that wait on a pool with no other session learn why now, rather than at their
	// acquire timeout; background restarts go on for min_sessions. A server that never
	// started gets its start error as it is; for one that has worked, the failed start is a
	// lost session like any other (the call was not sent), and matches ErrSessionLost.
	if live, _ := r.pool.counts(); live == 0 {
		reason := ReasonConnect
		if errors.Is(m.err, context.DeadlineExceeded) {
			reason = ReasonConnectTime
		}
		f := failure(ClassNotSent, reason, fmt.Errorf("connect: %w", m.err))
		switch {
		case s.circuit.rejects(now):
			f = s.circuitError(now)
		case s.everReady:
			f.Message = "not sent: a new session failed to start, so the call was not sent: " + m.err.Error()
		}
		for _, pc := range r.pool.waiting.all() {
			g := *f
			s.reply(ctx, pc, nil, &g)
		}
	}
	s.replenish(ctx, r.pool, false)
}

// sessionFailed takes a dead session out of its pool, stops its actor and replaces it.
func (s *serverActor) sessionFailed(ctx actor.Context, r *sessionRef, err error) {
	if r.state == stateDead {
		return
	}
	r.state = stateDead
	r.pool.remove(r)
	s.streak++
	s.events(Event{Kind: EventSessionLost, Server: s.spec.Name, Session: r.id, Pool: r.pool.key, Err: err})
	ctx.Stop(r.pid)
	for _, pc := range append([]*pendingCall(nil), r.pool.waiting.special...) {
		if pc.only() == r.id {
			s.reply(ctx, pc, nil, failure(ClassNotSent, ReasonSessionLost, fmt.Errorf("the pinned session died: %v", err)))
		}
	}
	s.replenish(ctx, r.pool, false)
}

// retire closes a session on purpose (idle, recycled, reconnect, evicted): at once when it
// is idle, otherwise once its calls and batches are done.
func (s *serverActor) retire(ctx actor.Context, r *sessionRef, reason string) {
	if r.inflight > 0 || r.pins > 0 {
		r.state, r.reason = stateDraining, reason
		return
	}
	if r.state == stateDead {
		return
	}
	r.state = stateDead
	r.pool.remove(r)
	s.events(Event{Kind: EventSessionClosed, Server: s.spec.Name, Session: r.id, Pool: r.pool.key, Reason: reason})
	ctx.Stop(r.pid)
}

// terminated forgets a session actor that has stopped, whatever stopped it.
func (s *serverActor) terminated(ctx actor.Context, who *actor.PID) {
	r := s.byPID[who.Id]
	if r == nil {
		s.subs = slices.DeleteFunc(s.subs, func(p *actor.PID) bool { return p.Equal(who) })
		return
	}
	delete(s.byPID, who.Id)
	delete(s.sessions, r.id)
	s.stats.closed.Add(1)
	s.slotFreed(ctx)
	if r.state != stateDead { // stopped from outside the pool's decisions, e.g. after a panic
		r.state = stateDead
		r.pool.remove(r)
		s.events(Event{Kind: EventSessionRestart, Server: s.spec.Name, Session: r.id, Reason: "session actor stopped"})
		s.streak++
		s.replenish(ctx, r.pool, false)
	}
	s.recount()
}

// dueProbe reports whether an idle session must pass a health check before its next call.
func (s *serverActor) dueProbe(r *sessionRef) bool {
	if r.suspect {
		return true
	}
	return s.spec.HealthInterval > 0 && time.Since(r.lastUsed) > s.spec.HealthInterval && !onlySkip(s.spec.HealthMethods)
}

func onlySkip(methods []string) bool {
	for _, m := range methods {
		if m != "skip" {
			return false
		}
	}
	return true
}

func (s *serverActor) startProbe(ctx actor.Context, r *sessionRef) {
	r.state = stateProbing
	methods := s.spec.HealthMethods
	if r.suspect && onlySkip(methods) {
		methods = []string{"ping", "list_tools"}
	}
	ctx.Send(r.pid, &probe{methods: methods})
}

// probeDone: a passed probe returns the session to the pool; a failed one replaces that
// session only — a failed probe never takes down the rest of the pool.
func (s *serverActor) probeDone(ctx actor.Context, m *probeDone) {
	r := s.sessions[m.session]
	if r == nil || r.state != stateProbing {
		return
	}
	if m.err != nil {
		err := redact(s.spec, m.err) // it may reach a caller whose batch was pinned here
		s.events(Event{Kind: EventHealthFailed, Server: s.spec.Name, Session: r.id, Pool: r.pool.key, Err: err})
		s.sessionFailed(ctx, r, fmt.Errorf("health probe: %w", err))
		s.pump(ctx, r.pool)
		return
	}
	r.state, r.suspect, r.lastUsed = stateReady, false, time.Now()
	s.pump(ctx, r.pool)
}

// maintain runs every tick: close idle sessions above the minimum, recycle old ones, keep
// the minimum, forget idle per-identity and per-affinity pools, publish the circuit state.
func (s *serverActor) maintain(ctx actor.Context) {
	now := time.Now()
	for key, p := range s.pools {
		live, _ := p.counts()
		for _, r := range append([]*sessionRef(nil), p.sessions...) {
			if r.state != stateReady {
				continue
			}
			switch {
			case s.spec.MaxLifetime > 0 && now.Sub(r.created) > s.spec.MaxLifetime:
				s.events(Event{Kind: EventRecycled, Server: s.spec.Name, Session: r.id, Pool: key, Duration: now.Sub(r.created)})
				s.retire(ctx, r, "max_lifetime")
				live--
			case s.spec.IdleTimeout > 0 && r.inflight == 0 && r.pins == 0 && live > p.minSize &&
				now.Sub(r.lastUsed) > s.spec.IdleTimeout:
				s.retire(ctx, r, "idle_timeout")
				live--
			}
		}
		s.replenish(ctx, p, false)
		if key != "" && len(p.sessions) == 0 && !p.busy() && now.Sub(p.lastUsed) > s.spec.IdleTimeout {
			delete(s.pools, key)
		}
	}
	if s.circuit.state == circuitOpen && !now.Before(s.circuit.openUntil) {
		s.stats.circuit.Store(circuitHalfOpen.String())
	}
	s.recount()
	s.scheduleMaintenance(ctx)
}

// recount publishes the session gauges.
func (s *serverActor) recount() {
	var connecting, busy, idle int64
	for _, r := range s.sessions { // at most max_total_sessions, however many pool keys
		switch {
		case r.state == stateConnecting:
			connecting++
		case r.state == stateDead:
		case r.inflight > 0:
			busy++
		default:
			idle++
		}
	}
	s.stats.connecting.Store(connecting)
	s.stats.busy.Store(busy)
	s.stats.idle.Store(idle)
	s.stats.ready.Store(busy + idle)
}
