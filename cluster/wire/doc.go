// Package wire holds the protobuf messages SPINE nodes exchange over protoactor remote
// (generated from wire.proto): a Request forwarded to the node that owns its session, and
// the Head and Chunks of its answer, relayed back in order. Package cluster sends them.
package wire
