package spinetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spine-mcp/spine/capability"
)

// DemoForExample is Demo for Example functions, which have no testing.TB: it panics when the
// spine binary cannot be built.
func DemoForExample(name string) capability.ServerSpec { return Demo(panicTB{}, name) }

// panicTB is the little of testing.TB that Binary uses; the embedded nil interface only
// supplies testing.TB's unexported method.
type panicTB struct{ testing.TB }

func (panicTB) Helper()           {}
func (panicTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// MainWithSpine is Main for a package whose examples configure servers as a user's program
// does, with command = "spine": it builds the spine binary of this checkout and puts its
// directory first on PATH, so that the examples need no internal package.
func MainWithSpine(m *testing.M) {
	Binary(panicTB{})
	os.Setenv("PATH", filepath.Dir(binPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
	Main(m)
}
