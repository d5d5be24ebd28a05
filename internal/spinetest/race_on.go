//go:build race

package spinetest

// RaceEnabled reports whether the race detector is on: load tests scale their counts down
// under it (it makes every goroutine several times slower), never their assertions.
const RaceEnabled = true
