package identity_test

import (
	"runtime"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/identity"
)

// BenchmarkPasswordCheck measures one argon2id verification with the default
// parameters: the cost of the password step of every sign-in.
func BenchmarkPasswordCheck(b *testing.B) {
	cfg := config.Default().Identity
	h := identity.NewHasher(cfg)
	hash := h.Hash("Tulip-Harbour-93")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := h.Verify("Tulip-Harbour-93", hash); !ok {
			b.Fatal("verify failed")
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MiB/check")
}
