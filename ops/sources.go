package ops

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DownstreamSession is one client session of a gateway in front of the executor: what the
// status page shows of it. It holds no token and no identity, only what an operator needs
// to tell sessions apart.
type DownstreamSession struct {
	ID        string    `json:"id"`        // the session id (or a prefix of it)
	Era       string    `json:"era"`       // protocol era or version the client speaks
	Transport string    `json:"transport"` // http or stdio
	Client    string    `json:"client"`    // the client's name and version from its handshake
	Started   time.Time `json:"started"`
	Calls     int64     `json:"calls"`
}

// Downstream is a source of downstream sessions: the gateway registers one (SetDownstream).
// Sessions is called at each scrape and status refresh; it must be quick and safe for
// concurrent use.
type Downstream interface {
	Sessions() []DownstreamSession
}

// Collision is a name two upstream servers both expose: the kept server keeps it, the
// other's is exposed as Exposed.
type Collision struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // tool, prompt or resource
	Kept    string `json:"kept"` // the server that keeps the name (the earlier in config order)
	Other   string `json:"other"`
	Exposed string `json:"exposed"` // the name the other server's one is exposed as
}

// Collisions is a source of name collisions: the gateway registers one (SetCollisions).
type Collisions interface {
	Collisions() []Collision
}

// sources holds the registered extra sources; any of them may be nil.
type sources struct {
	mu         sync.RWMutex
	downstream Downstream
	collisions Collisions
}

var (
	downstreamDesc = prometheus.NewDesc("spine_downstream_sessions",
		"Client sessions of the gateway, by transport and protocol era.", []string{"transport", "era"}, nil)
	collisionsDesc = prometheus.NewDesc("spine_name_collisions",
		"Names that two upstream servers both expose (the later one is exposed under another name).", nil, nil)
)

func (s *sources) get() (Downstream, Collisions) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.downstream, s.collisions
}

func (s *sources) describe(ch chan<- *prometheus.Desc) {
	ch <- downstreamDesc
	ch <- collisionsDesc
}

func (s *sources) collect(ch chan<- prometheus.Metric) {
	down, coll := s.get()
	if down != nil {
		type key struct{ transport, era string }
		counts := map[key]int{}
		for _, d := range down.Sessions() {
			counts[key{d.Transport, d.Era}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(downstreamDesc, prometheus.GaugeValue, float64(n), k.transport, k.era)
		}
	}
	if coll != nil {
		ch <- prometheus.MustNewConstMetric(collisionsDesc, prometheus.GaugeValue, float64(len(coll.Collisions())))
	}
}

// SetDownstream registers the source of downstream sessions (nil removes it).
func (c *Collector) SetDownstream(d Downstream) {
	c.extraSources.mu.Lock()
	defer c.extraSources.mu.Unlock()
	c.extraSources.downstream = d
}

// SetCollisions registers the source of name collisions (nil removes it).
func (c *Collector) SetCollisions(s Collisions) {
	c.extraSources.mu.Lock()
	defer c.extraSources.mu.Unlock()
	c.extraSources.collisions = s
}
