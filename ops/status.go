package ops

import (
	"embed"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spine-mcp/spine/executor"
)

// Status is the data of the status page, served as /status.json.
type Status struct {
	Version    string              `json:"version"`
	Started    time.Time           `json:"started"`
	Now        time.Time           `json:"now"`
	Readiness  Readiness           `json:"readiness"`
	Servers    []ServerView        `json:"servers"` // in config order
	CallsSeen  int64               `json:"calls_seen"`
	Calls      []CallView          `json:"recent_calls"`  // newest first
	Errors     []CallView          `json:"recent_errors"` // newest first
	Runs       []RunView           `json:"runs"`          // newest first
	Downstream []DownstreamSession `json:"downstream"`    // nil when no gateway registered them
	Collisions []Collision         `json:"collisions"`
}

// ServerView is one upstream server on the status page: its configuration's shape (never
// its command line, URL or headers, which may hold secrets) and its pool's counters.
type ServerView struct {
	Name      string               `json:"name"`
	Transport string               `json:"transport"`
	Isolation string               `json:"isolation"`
	Protocol  string               `json:"protocol"` // the protocol setting: auto or a version
	Stats     executor.ServerStats `json:"stats"`
}

// Status gathers the status page's data.
func (m *Monitor) Status() Status {
	st := Status{Version: executor.Version(), Started: m.started, Now: time.Now(), Readiness: m.Readiness()}
	stats := m.ex.Stats()
	for _, spec := range m.ex.Project().Servers {
		s, ok := stats.Servers[spec.Name]
		if !ok {
			continue
		}
		st.Servers = append(st.Servers, ServerView{Name: spec.Name, Transport: string(spec.Transport),
			Isolation: string(spec.Policy.Isolation), Protocol: spec.Policy.Protocol, Stats: s})
	}
	st.Calls, st.Errors, st.Runs, st.CallsSeen = m.history.snapshot()
	down, coll := m.collector.extraSources.get()
	if down != nil {
		st.Downstream = append([]DownstreamSession{}, down.Sessions()...) // [] rather than null: a gateway, no sessions
	}
	if coll != nil {
		st.Collisions = append([]Collision{}, coll.Collisions()...)
	}
	return st
}

// StatusJSON serves Status as JSON.
func (m *Monitor) StatusJSON() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, m.Status())
	})
}

//go:embed status.html
var statusPage embed.FS

// StatusPage serves the status page: one HTML file from the binary, with its script and
// style inline (no build step, nothing fetched from elsewhere), which polls /status.json.
func (m *Monitor) StatusPage() http.Handler {
	page, _ := statusPage.ReadFile("status.html") // embedded: always there
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		// The page needs nothing from elsewhere; say so, so that an injected tag could not
		// either.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(page)
	})
}

func joinSorted(names []string) string {
	slices.Sort(names)
	return strings.Join(names, ", ")
}
