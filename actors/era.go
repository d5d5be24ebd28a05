package actors

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// eraMemory remembers which protocol version each upstream settled on under protocol =
// "auto", so that the probe (server/discover, then initialize if the server does not know
// it) runs once rather than on every connect: a 2025-11-25 server would otherwise cost a
// failed round trip per session. A stdio server is remembered by what is run (command,
// arguments, directory) for the life of the runtime; an HTTP server by its origin. Only a
// revision-shaped error (see revisionChanged) makes it forget, so that the next connect
// probes again; the call that met the error is never re-run for it.
//
// A nil *eraMemory remembers nothing: every connect under "auto" probes.
type eraMemory struct {
	mu       sync.Mutex
	versions map[string]string
}

func newEraMemory() *eraMemory { return &eraMemory{versions: map[string]string{}} }

// eraKey names what the era of a server is a property of.
func eraKey(spec *capability.ServerSpec) string {
	if spec.Transport == capability.TransportStdio {
		return "stdio\x00" + spec.Cwd + "\x00" + spec.Command + "\x00" + strings.Join(spec.Args, "\x00")
	}
	u, err := url.Parse(spec.URL)
	if err != nil {
		return string(spec.Transport) + "\x00" + spec.URL
	}
	return string(spec.Transport) + "\x00" + originOf(u)
}

// request returns the protocol version a connect asks for: the pinned one, the remembered
// one under "auto", or "" (the SDK's newest: the probe).
func (m *eraMemory) request(spec *capability.ServerSpec) string {
	if spec.Protocol != capability.ProtocolAuto {
		return spec.Protocol
	}
	if m == nil {
		return ""
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.versions[eraKey(spec)]
}

// learned records the version a connect under "auto" settled on.
func (m *eraMemory) learned(spec *capability.ServerSpec, version string) {
	if m == nil || spec.Protocol != capability.ProtocolAuto || version == "" {
		return
	}
	m.mu.Lock()
	m.versions[eraKey(spec)] = version
	m.mu.Unlock()
}

// forget drops what was learned of spec's server: its next connect probes again.
func (m *eraMemory) forget(spec *capability.ServerSpec) {
	if m == nil {
		return
	}
	m.mu.Lock()
	delete(m.versions, eraKey(spec))
	m.mu.Unlock()
}

// revisionChanged says whether err is the server saying it does not speak the protocol
// version the session settled on — it was redeployed with another SDK, or behind another
// handler — rather than anything about the call itself.
func revisionChanged(err error) bool {
	var wire *jsonrpc.Error
	return errors.As(err, &wire) && wire.Code == mcp.CodeUnsupportedProtocolVersion
}

// errPinnedEra fails a connect whose server settled on a protocol of the other era than
// the one its protocol key pins: the SDK falls back from 2026-07-28 to 2025-11-25 on its own,
// and a pin that silently does not hold is no pin.
type errPinnedEra struct {
	server, pinned, got string
}

func (e *errPinnedEra) Error() string {
	return fmt.Sprintf("server %q: protocol = %q, but the server speaks %s: set protocol = \"auto\" to take what the server speaks, or %q",
		e.server, e.pinned, e.got, e.got)
}

// checkEra holds a connected session to what its server's config allows: a pinned era must
// be the one spoken, and isolation = "affinity" needs a session, which the 2026-07-28
// protocol has none of over HTTP (a config error found only now when protocol = "auto").
func checkEra(spec *capability.ServerSpec, version string) error {
	got := capability.EraOf(version)
	if pinned := spec.PinnedEra(); pinned != capability.EraUnknown && pinned != got {
		return &errPinnedEra{server: spec.Name, pinned: spec.Protocol, got: version}
	}
	if got == capability.EraModern && spec.Transport == capability.TransportHTTP && spec.Isolation == capability.IsolationAffinity {
		return &configError{msg: capability.AffinityNeedsSession(spec.Name)}
	}
	return nil
}

// configError is a connect that succeeded against a server the config cannot be used with.
type configError struct{ msg string }

func (e *configError) Error() string { return "config: " + e.msg }
