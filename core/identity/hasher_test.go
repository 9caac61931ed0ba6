package identity_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/identity"
)

// TestPasswordChecksAtOnceCapMemory sends sixteen password checks at once
// through a hasher that allows one at a time: the heap never holds much more
// than one check's memory and the garbage of the last few (sixteen at once
// would hold sixteen checks'). It runs alone (not in parallel) so that the
// heap is its own.
func TestPasswordChecksAtOnceCapMemory(t *testing.T) {
	cfg := config.Default().Identity
	cfg.Argon2MemoryKiB, cfg.Argon2Time, cfg.Argon2Threads, cfg.PasswordChecksAtOnce = 32*1024, 1, 1, 1
	h := identity.NewHasher(cfg)
	hash := h.Hash("Tulip-Harbour-93")
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // the heap's high-water mark while the checks run
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := h.Verify("wrong password", hash); ok {
				t.Error("a wrong password passed")
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	check := uint64(cfg.Argon2MemoryKiB) << 10
	grew := peak.Load() - min(peak.Load(), base.HeapAlloc)
	t.Logf("heap grew by %d MiB at most; one check takes %d MiB", grew>>20, check>>20)
	// One check live, and garbage of earlier ones the collector has not
	// reclaimed yet: well below sixteen checks' worth.
	if grew > 8*check {
		t.Fatalf("sixteen checks at once took %d MiB; one at a time would take a few times %d", grew>>20, check>>20)
	}
}
