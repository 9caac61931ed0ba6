package sdk

import (
	"context"
	"strings"
	"sync"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Preloads save a GET page its round trips for reads: the SDK tells the host
// which standalone reads the page ran, the host runs them ahead of the next
// such call and sends the rows with it, and the driver answers the same
// statement from them once. Nothing changes for the plugin's code.

// maxReads bounds the reads reported per call.
const maxReads = 4

type readsKey struct{}

// callReads is one call's preloaded rows and the reads it ran.
type callReads struct {
	mu       sync.Mutex
	preloads map[string]*pluginv1.RowBatch
	reads    []string
	wrote    bool
}

func withReads(ctx context.Context, preloads []*pluginv1.Preload) (context.Context, *callReads) {
	cr := &callReads{preloads: map[string]*pluginv1.RowBatch{}}
	for _, p := range preloads {
		cr.preloads[p.GetSql()] = p.GetRows()
	}
	return context.WithValue(ctx, readsKey{}, cr), cr
}

func readsOf(ctx context.Context) *callReads {
	cr, _ := ctx.Value(readsKey{}).(*callReads)
	return cr
}

// take answers a statement from its preload, once.
func (cr *callReads) take(query string) *pluginv1.RowBatch {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	b := cr.preloads[query]
	delete(cr.preloads, query)
	return b
}

// ran records a read the plugin made itself, to be preloaded next time.
func (cr *callReads) ran(query string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if !cr.wrote && len(cr.reads) < maxReads && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(query)), "SELECT") {
		cr.reads = append(cr.reads, query)
	}
}

// wrote forgets every preload at the call's first write: a page that writes
// and then reads must see its own write.
func (cr *callReads) write() {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	cr.wrote, cr.preloads, cr.reads = true, nil, nil
}

// ranReads are the reads to report, none once the call wrote.
func (cr *callReads) ranReads() []string {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.reads
}
