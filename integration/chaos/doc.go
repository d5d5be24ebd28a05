// Package chaos is SPINE's fault-tolerance suite: real server processes that die, hang,
// break the protocol, flood stderr, refuse to exit or fork children, HTTP servers that go
// away and come back, and `spine run` interrupted once or twice. Each test checks what the
// caller sees (a correct result or a typed error, in bounded time) and what is left
// afterwards (no goroutine, file descriptor or process over its baseline).
//
// The misbehaving server is badserver/, a tiny hand-written JSON-RPC server built once per
// test run; the well-behaved one is the shipped demo server. Every fault loop is bounded in
// count and time, and every server listens on loopback only.
//
//	go test -race ./integration/chaos/
//
// The package holds tests only.
package chaos
