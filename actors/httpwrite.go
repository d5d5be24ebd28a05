package actors

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// Whether a failed HTTP request was written: the SDK's transport reports every error of
// http.Client.Do as "rejected by transport", which says nothing about whether the server got
// the request. A reset after the request was written means the tool may have run.
var (
	errWritten    = errors.New("the request was written to the server")
	errNotWritten = errors.New("the request was not written to the server")
)

// writeTracker is the innermost layer of an HTTP session's client: it watches whether each
// POST was written (httptrace) and marks a failed one with errWritten or errNotWritten, so
// that classify can tell "may have run" from "not sent".
type writeTracker struct{ base http.RoundTripper }

func (t writeTracker) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost {
		return t.base.RoundTrip(req)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	resp, err := t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		mark := errNotWritten
		if wrote.Load() {
			mark = errWritten
		}
		return nil, &writeError{err: err, mark: mark}
	}
	return resp, nil
}

// writeError is a transport error that also matches errWritten or errNotWritten.
type writeError struct {
	err  error
	mark error
}

func (e *writeError) Error() string   { return e.err.Error() }
func (e *writeError) Unwrap() []error { return []error{e.err, e.mark} }
