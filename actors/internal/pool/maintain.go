package pool

// maintain runs every tick: close idle sessions above the minimum, recycle old ones, keep
// the minimum, forget idle identity and affinity keys, say when the circuit half-opens.
func (p *Pool) maintain() {
	if p.stopped {
		return
	}
	now := p.clock.Now()
	for name, k := range p.keys {
		live, _ := k.counts()
		for _, s := range append([]*session(nil), k.sessions...) {
			if s.state != ready {
				continue
			}
			switch {
			case p.cfg.MaxLifetime > 0 && now.Sub(s.created) > p.cfg.MaxLifetime:
				p.emit(Effect{Kind: Recycled, Session: s.id, Key: name, After: now.Sub(s.created)})
				p.retire(s, "max_lifetime")
				live--
			case p.cfg.IdleTimeout > 0 && s.inflight == 0 && s.pins == 0 && live > k.minSize &&
				now.Sub(s.lastUsed) > p.cfg.IdleTimeout:
				p.retire(s, "idle_timeout")
				live--
			}
		}
		p.replenish(k, false)
		// A key whose caller is still to be told of its lost state is kept (stateloss.go):
		// only the bound on keys forgets it.
		if name != "" && len(k.sessions) == 0 && !k.busy() && !k.stateLost && now.Sub(k.lastUsed) > p.cfg.IdleTimeout {
			p.forgetKey(k)
		}
	}
	if p.circuit.state == circuitOpen && !now.Before(p.circuit.openUntil) {
		p.emit(Effect{Kind: CircuitHalfOpen})
	}
	p.emit(Effect{Kind: Arm, Timer: Timer{Kind: TickTimer}, After: p.cfg.Tick})
}
