package ops

import (
	"encoding/json"
	"net/http"
)

// Readiness is the body of /readyz: ready overall, and each server's part in it.
type Readiness struct {
	Ready   bool                   `json:"ready"`
	Reason  string                 `json:"reason,omitempty"` // why not, when not
	Servers map[string]ServerReady `json:"servers"`
}

// ServerReady is one server's readiness: its circuit, and whether it takes calls.
type ServerReady struct {
	Ready   bool   `json:"ready"`
	Circuit string `json:"circuit"` // closed, open or half_open
}

// Readiness says whether the executor takes calls: its config is loaded (it runs), no
// server's circuit is open, and Options.Ready has no objection. A half-open circuit is
// ready: its probe connect decides, and refusing traffic would keep it from closing.
func (m *Monitor) Readiness() Readiness {
	r := Readiness{Ready: true, Servers: map[string]ServerReady{}}
	var open []string
	for name, st := range m.ex.Stats().Servers {
		ok := st.Circuit != "open"
		r.Servers[name] = ServerReady{Ready: ok, Circuit: st.Circuit}
		if !ok {
			open = append(open, name)
		}
	}
	if len(open) > 0 {
		r.Ready = false
		r.Reason = "circuit open: " + joinSorted(open)
	}
	if m.opts.Ready != nil {
		if err := m.opts.Ready(); err != nil {
			r.Ready = false
			r.Reason = err.Error()
		}
	}
	return r
}

// Healthz answers 200 while the process serves HTTP: liveness, nothing more, so that an
// orchestrator does not restart SPINE for an upstream's failure.
func (m *Monitor) Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// Readyz answers 200 when ready and 503 when not, with the Readiness as JSON.
func (m *Monitor) Readyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r := m.Readiness()
		code := http.StatusOK
		if !r.Ready {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away
}
