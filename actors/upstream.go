package actors

// sessions_created and sessions_closed count the client sessions SPINE opened to a server
// and closed again, not its session actors: over stdio, with a 2025-11-25 HTTP server and
// over SSE each session actor holds a session of its own, but the session actors of a
// 2026-07-28 HTTP server share one link (link.go) — one discover and one change stream for
// all — so that the link is what was created, once, and closed, with its last reference. A
// connect that failed created nothing.

// upstream is the server actor's account of which upstream session each ready session
// actor holds.
type upstream struct {
	own   map[uint64]bool  // session actors with a session of their own
	links map[uint64]*link // session actors holding a reference to a shared link
	refs  map[*link]int    // the references of those actors to each link
}

// opened records that session id is ready on its own session (l nil) or on link l.
func (s *serverActor) upstreamOpened(id uint64, l *link) {
	u := &s.upstream
	if u.own == nil {
		u.own, u.links, u.refs = map[uint64]bool{}, map[uint64]*link{}, map[*link]int{}
	}
	s.upstreamClosed(id) // a session actor that connects again gave up what it held
	if l == nil {
		u.own[id] = true
		s.stats.created.Add(1)
		return
	}
	if u.refs[l] == 0 {
		s.stats.created.Add(1)
	}
	u.refs[l]++
	u.links[id] = l
}

// upstreamClosed records that session id holds nothing any more (its actor ended).
func (s *serverActor) upstreamClosed(id uint64) {
	u := &s.upstream
	if u.own[id] {
		delete(u.own, id)
		s.stats.closed.Add(1)
		return
	}
	l, ok := u.links[id]
	if !ok {
		return
	}
	delete(u.links, id)
	if u.refs[l]--; u.refs[l] == 0 {
		delete(u.refs, l)
		s.stats.closed.Add(1)
	}
}
