package pool

import "github.com/spine-mcp/spine/actors/internal/outcome"

// reasonReleased is the retire reason of Release: the only end of an affinity key's session
// its caller asked for, so the only one not told to the key's next call.
const reasonReleased = "released"

// Release ends an isolation key's sessions because their owner is gone (a gateway's
// downstream session ended): the calls of the key still waiting are refused with
// ErrReleased, idle sessions stop now, busy ones once their calls are done, and the key is
// forgotten, so that a later call with the same key starts from a new session. The shared
// key ("") is never released. It returns how many sessions it ends.
func (p *Pool) Release(identity, affinity string) ([]Effect, int) {
	p.begin()
	name := p.KeyOf(identity, affinity)
	k := p.keys[name]
	if name == "" || k == nil {
		return p.out, 0
	}
	for _, c := range k.waiting.all() {
		p.reply(c, outcome.Refused(outcome.ReasonClosed, ErrReleased))
	}
	n := 0
	for _, s := range append([]*session(nil), k.sessions...) {
		if s.live() {
			p.retire(s, reasonReleased)
			n++
		}
	}
	p.forgetKey(k)
	return p.out, n
}
