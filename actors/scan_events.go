package actors

import (
	"fmt"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
)

// ScanEvent is what a capability-scan actor reports: *CapabilitiesChanged,
// *DescriptionChanged or *ScanFailed. Events are plain data, sent to the ScanOptions.Events
// hook and, as messages, to every Listen-er.
type ScanEvent interface {
	fmt.Stringer
	scanEvent()
}

// CapabilitiesChanged says that a scan of Server found something new: the first scan of a
// server, or one whose content hash differs from the last.
type CapabilitiesChanged struct {
	Server   string
	Hash     string               // Snapshot.Hash
	Snapshot *capability.Snapshot // read-only: it belongs to the registry
}

// DescriptionChanged carries the self-description written for a server's changed
// capabilities. It follows the server's CapabilitiesChanged.
type DescriptionChanged struct {
	Server string
	Result describe.Result
}

// ScanFailed says that a scan of Server, or the description of what it found, failed. The
// registry keeps the last good snapshot.
type ScanFailed struct {
	Server string
	Err    error
}

func (*CapabilitiesChanged) scanEvent() {}
func (*DescriptionChanged) scanEvent()  {}
func (*ScanFailed) scanEvent()          {}

// String renders the event for people.
func (e *CapabilitiesChanged) String() string {
	s := e.Snapshot
	if s == nil {
		return fmt.Sprintf("capabilities_changed server=%s hash=%s", e.Server, e.Hash)
	}
	return fmt.Sprintf("capabilities_changed server=%s hash=%s tools=%d resources=%d resource_templates=%d prompts=%d",
		e.Server, e.Hash, len(s.Tools), len(s.Resources), len(s.ResourceTemplates), len(s.Prompts))
}

// String renders the event for people.
func (e *DescriptionChanged) String() string {
	return fmt.Sprintf("description_changed server=%s mode=%s source_hash=%s",
		e.Server, e.Result.Metadata.Mode, e.Result.Metadata.SourceHash)
}

// String renders the event for people.
func (e *ScanFailed) String() string {
	return fmt.Sprintf("scan_failed server=%s error=%v", e.Server, e.Err)
}
