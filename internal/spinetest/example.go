package spinetest

import (
	"fmt"
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
