package pool

import (
	"context"
	"errors"
	"fmt"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// spawn opens one more session for key k, unless the circuit forbids it or the server has
// TotalSessions sessions alive (stopping ones included: their processes may still run).
func (p *Pool) spawn(k *key) *session {
	now := p.clock.Now()
	if len(p.sessions) >= p.cfg.TotalSessions || !p.circuit.allowConnect(now) {
		return nil
	}
	s := &session{id: p.cfg.NewSessionID(), key: k, state: connecting, created: now, lastUsed: now}
	k.sessions = append(k.sessions, s)
	p.sessions[s.id] = s
	var headers map[string][]string
	if p.cfg.Isolation == Identity {
		headers = k.identityHeaders()
	}
	p.emit(Effect{Kind: Spawn, Session: s.id, Key: k.name, Headers: headers, Restart: p.streak > 0})
	return s
}

// grow opens a session for calls that wait while the key is below its cap and no session
// being opened or probed would take them. After failures it waits out a backoff first
// (afterBackoff says that this is the end of one).
func (p *Pool) grow(k *key, afterBackoff bool) {
	if k.waiting.len() == 0 || p.draining || p.stopped {
		return
	}
	live, coming := k.counts()
	if live >= k.maxSize || coming*p.cfg.MaxInflight >= k.waiting.demand(p.cfg.MaxInflight) {
		return
	}
	if len(p.sessions) >= p.cfg.TotalSessions {
		p.makeRoom(k)
		return
	}
	if !p.backoffServed(k, afterBackoff) {
		return
	}
	if p.spawn(k) != nil {
		k.waiting.markSpawned()
	}
}

// backoffServed reports whether a session may be opened now, arming a respawn after the
// restart backoff due for the current failure streak otherwise.
func (p *Pool) backoffServed(k *key, afterBackoff bool) bool {
	if afterBackoff {
		return true
	}
	if p.respawns[k.name] {
		return false
	}
	if d := RestartBackoff.Delay(p.streak); d > 0 {
		p.respawns[k.name] = true
		p.emit(Effect{Kind: BackingOff, Key: k.name, After: d})
		p.emit(Effect{Kind: Arm, Timer: Timer{Kind: RespawnTimer, Key: k.name}, After: d})
		return false
	}
	return true
}

// replenish keeps min_sessions open and grows for waiting calls, with backoff after failures.
func (p *Pool) replenish(k *key, afterBackoff bool) {
	if p.draining || p.stopped {
		return
	}
	if live, _ := k.counts(); live < k.minSize && p.backoffServed(k, afterBackoff) {
		for ; live < k.minSize && p.spawn(k) != nil; live++ {
		}
		afterBackoff = true // this round's backoff covers growth too
	}
	p.grow(k, afterBackoff)
}

// Ready takes a session whose handshake is done: it closes the circuit and takes calls.
func (p *Pool) Ready(sessionID uint64) []Effect {
	p.begin()
	s := p.sessions[sessionID]
	if s == nil || s.state != connecting {
		return p.out
	}
	s.state, s.lastUsed = ready, p.clock.Now()
	p.everReady = true
	if p.circuit.succeeded() {
		p.emit(Effect{Kind: CircuitClosed})
	}
	p.emit(Effect{Kind: Opened, Session: s.id, Key: s.key.name})
	p.pump(s.key)
	return p.out
}

// Lost takes a session that could not start (connect) or that died.
func (p *Pool) Lost(sessionID uint64, err error, connect bool) []Effect {
	p.begin()
	s := p.sessions[sessionID]
	if s == nil || s.state == dead {
		return p.out
	}
	if !connect {
		p.sessionFailed(s, err)
		return p.out
	}
	p.connectFailed(s, err)
	return p.out
}

func (p *Pool) connectFailed(s *session, err error) {
	now := p.clock.Now()
	s.state = dead
	s.key.remove(s)
	p.emit(Effect{Kind: Stop, Session: s.id})
	p.streak++
	p.emit(Effect{Kind: ConnectFailed, Session: s.id, Key: s.key.name, Err: err})
	if p.circuit.failed(now, err) {
		p.emit(Effect{Kind: CircuitOpened, After: p.cfg.CircuitReset, Err: err})
	}
	// Callers that wait on a key with no other session learn why now, rather than at their
	// acquire timeout; background restarts go on for min_sessions. A server that never
	// started gets its start error as it is; for one that has worked, the failed start is a
	// lost session like any other (the call was not sent), and matches ErrSessionLost.
	if live, _ := s.key.counts(); live == 0 {
		reason := outcome.ReasonConnect
		if errors.Is(err, context.DeadlineExceeded) {
			reason = outcome.ReasonConnectTime
		}
		f := outcome.New(outcome.ClassNotSent, reason, fmt.Errorf("connect: %w", err))
		switch {
		case p.circuit.rejects(now):
			f = p.circuitError(now)
		case p.everReady:
			f.Message = "not sent: a new session failed to start, so the call was not sent: " + err.Error()
		}
		for _, c := range s.key.waiting.all() {
			g := *f
			p.reply(c, &g)
		}
	}
	p.replenish(s.key, false)
}

// sessionFailed takes a dead session out of its key, stops it and replaces it.
func (p *Pool) sessionFailed(s *session, err error) {
	if s.state == dead {
		return
	}
	s.state = dead
	s.key.remove(s)
	p.streak++
	p.emit(Effect{Kind: Lost, Session: s.id, Key: s.key.name, Err: err})
	p.emit(Effect{Kind: Stop, Session: s.id})
	p.sessionEnded(s)
	for _, c := range append([]*call(nil), s.key.waiting.special...) {
		if c.only == s.id {
			p.reply(c, outcome.New(outcome.ClassNotSent, outcome.ReasonSessionLost, fmt.Errorf("the pinned session died: %v", err)))
		}
	}
	p.replenish(s.key, false)
}

// retire closes a session on purpose (idle, recycled, reconnect, evicted, a slot for another
// key): at once when it is idle, otherwise once its calls and batches are done.
func (p *Pool) retire(s *session, reason string) {
	if s.inflight > 0 || s.pins > 0 {
		s.state, s.reason = retiring, reason
		return
	}
	if s.state == dead {
		return
	}
	s.state = dead
	s.key.remove(s)
	p.emit(Effect{Kind: Closed, Session: s.id, Key: s.key.name, Reason: reason})
	p.emit(Effect{Kind: Stop, Session: s.id, Reason: reason})
	if reason != reasonReleased {
		p.sessionEnded(s)
	}
}

// Terminated forgets a session whose actor has stopped, whatever stopped it: its slot is free.
func (p *Pool) Terminated(sessionID uint64) []Effect {
	p.begin()
	s := p.sessions[sessionID]
	if s == nil {
		return p.out
	}
	delete(p.sessions, sessionID)
	if len(s.running) > 0 {
		p.orphans[sessionID] = s
	}
	p.slotFreed()
	if s.state != dead { // stopped from outside the pool's decisions, e.g. after a panic
		s.state = dead
		s.key.remove(s)
		p.emit(Effect{Kind: Restarted, Session: s.id, Key: s.key.name})
		p.streak++
		p.sessionEnded(s)
		p.replenish(s.key, false)
	}
	return p.out
}

// dueProbe reports whether an idle session must pass a health check before its next call.
func (p *Pool) dueProbe(s *session) bool {
	if s.suspect {
		return true
	}
	return p.cfg.HealthInterval > 0 && p.cfg.HealthProbes && p.clock.Now().Sub(s.lastUsed) > p.cfg.HealthInterval
}

func (p *Pool) startProbe(s *session) {
	s.state = probing
	p.emit(Effect{Kind: Probe, Session: s.id, Suspect: s.suspect})
}

// ProbeDone takes a health probe's result: a passed probe returns the session to its key; a
// failed one replaces that session only — a failed probe never takes down the rest.
func (p *Pool) ProbeDone(sessionID uint64, err error) []Effect {
	p.begin()
	s := p.sessions[sessionID]
	if s == nil || s.state != probing {
		return p.out
	}
	if err != nil {
		p.emit(Effect{Kind: HealthFailed, Session: s.id, Key: s.key.name, Err: err})
		p.sessionFailed(s, fmt.Errorf("health probe: %w", err))
		p.pump(s.key)
		return p.out
	}
	s.state, s.suspect, s.lastUsed = ready, false, p.clock.Now()
	p.pump(s.key)
	return p.out
}
