package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	cmap "github.com/orcaman/concurrent-map"
)

// registryBuckets is how many buckets the process registry of a SPINE actor system has.
// protoactor allocates 1,024 buckets of 32 shards each (~3 MB) for systems that hold
// millions of actors; the garbage collector scans all of it on every cycle, and a pooled
// call's garbage (the SDK's JSON buffers) triggers many cycles. A runtime here holds
// servers, sessions and a few runs: 16 buckets keep lookups fast and halve GC CPU per call.
const registryBuckets = 16

// shrinkRegistry replaces system's process registry buckets with registryBuckets ones,
// moving the processes the system registered while starting (dead letters, guardians).
// It must run before anything else uses the system.
func shrinkRegistry(system *actor.ActorSystem) {
	old := system.ProcessRegistry.LocalPIDs
	small := &actor.SliceMap{LocalPIDs: make([]cmap.ConcurrentMap, registryBuckets)}
	for i := range small.LocalPIDs {
		small.LocalPIDs[i] = cmap.New()
	}
	for _, bucket := range old.LocalPIDs {
		// IterCb walks the shards in place; Items would start a goroutine per shard, 32k of
		// them for protoactor's 1,024 buckets.
		bucket.IterCb(func(id string, process any) { small.GetBucket(id).Set(id, process) })
	}
	system.ProcessRegistry.LocalPIDs = small
}
