// Package spinetest holds what SPINE's tests share: the spine binary built once per test
// process (so that tests spawn the real demo server as a real subprocess), projects that
// name it, bounded waiting on conditions, and checks that a test leaves no goroutine and
// no child process behind.
//
//	func TestMain(m *testing.M) { spinetest.Main(m) }
//
//	func TestEcho(t *testing.T) {
//		spinetest.NoLeaks(t)
//		project := spinetest.Project(spinetest.Demo(t, "demo"))
//		...
//	}
package spinetest
