package executor_test

import (
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestMain puts the spine binary on PATH: the examples run the demo server as a program
// would, with command = "spine".
func TestMain(m *testing.M) { spinetest.MainWithSpine(m) }
