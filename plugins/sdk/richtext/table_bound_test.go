package richtext_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk/richtext"
)

// TestATableBoundedByItsSize: one render of a 20,000-character text that
// would be a table of millions of cells costs little: it is no table.
func TestATableBoundedByItsSize(t *testing.T) {
	const cols = 450
	text := strings.Repeat("|a", cols) + "\n" + strings.Repeat("|-", cols) + "\n" + strings.Repeat("|\n", (20000-4*cols-2)/2)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	out := richtext.Render(text, richtext.Options{})
	runtime.ReadMemStats(&after)
	mb := (after.TotalAlloc - before.TotalAlloc) >> 20
	t.Logf("%d chars: %d bytes out, %v, %d MB allocated, heap %d MB", len(text), len(out.HTML), time.Since(start), mb, after.HeapSys>>20)
	if mb > 100 {
		t.Errorf("one render of %d characters allocated %d MB", len(text), mb)
	}
}
