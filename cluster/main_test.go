package cluster

import (
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestMain(m *testing.M) { spinetest.Main(m) }
