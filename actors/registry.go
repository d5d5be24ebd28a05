package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	cmap "github.com/orcaman/concurrent-map"
)

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
