package executor

import "github.com/spine-mcp/spine/actors"

// Version returns SPINE's version, the one sent to servers as the client implementation
// version.
func Version() string { return actors.Version }
