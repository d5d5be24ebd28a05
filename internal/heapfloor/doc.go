// Package heapfloor keeps the Go collector of a long-running SPINE process (spine serve) from
// running more often than once per floor bytes of allocation while its live heap is small.
//
// Go's collector starts a cycle when the heap has grown by GOGC percent (100) of what the
// last cycle found live, and at least 4 MiB. A gateway's live heap is small — a few MiB plus
// its sessions — while each MCP message it relays allocates tens of KiB of short-lived
// garbage (go-sdk decodes every message with a fresh 32 KiB buffer), so under load it would
// collect every dozen calls and spend more CPU marking and scanning stacks than relaying.
// The floor makes the heap goal max(floor, what GOGC would give): with a small live heap
// the collector runs rarely, and once the live heap is large GOGC's goal applies unchanged.
// What it costs is memory: up to floor bytes of heap that a collection would have freed.
//
// The percentage is set again after every collection (runtime.AddCleanup on a sentinel), so
// a heap that grows is never given more than one cycle's worth of the raised goal. An
// operator's GOGC in the environment wins: Start then changes nothing.
package heapfloor
