package thirdparty

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spine-mcp/spine/integration/scaffoldtest"
)

// The scaffold of an npm reference server builds, passes its own tests (node started as the
// config says) and serves and forwards as described, like the demo server's. Without the npm
// install it skips, and fails under CI (see requireServers).
func TestScaffoldEverything(t *testing.T) {
	requireServers(t)
	project := t.TempDir()
	config := fmt.Sprintf("[servers.everything]\ncommand = \"node\"\nargs = [%q]\n", entry(t, everything))
	if err := os.WriteFile(filepath.Join(project, "spine.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	scaffoldtest.Check(t, scaffoldtest.Case{
		Project: project,
		Server:  "everything",
		Echo:    map[string]any{"message": "through the scaffold"},
		Want:    "Echo: through the scaffold",
	})
}
