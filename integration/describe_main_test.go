package integration

import (
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestMain removes the spine binary built for this package's tests when they end.
func TestMain(m *testing.M) { spinetest.Main(m) }
