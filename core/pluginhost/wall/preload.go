package wall

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// A GET page of a plugin reports the standalone reads it ran; the host runs
// them ahead of the next call to the same address for the same person and
// sends the rows with it, so the page's reads cost no round trip. The reads
// run behind the wall in the call's scope, exactly as if the plugin sent
// them; a page whose reads changed just misses and reads as before.

const (
	// maxPreloadRows bounds one preloaded read; a bigger result is read by
	// the plugin itself.
	maxPreloadRows = 500
	// maxPreloadEntries and maxPreloadText bound the memory of remembered
	// reads (at most 2,000 × 4 × 2 KiB = 16 MiB); the table starts over when
	// full.
	maxPreloadEntries = 2000
	maxPreloadText    = 2048
)

var errTooManyRows = errors.New("too many rows to preload")

// Preloads remembers, per plugin, address, organisation and person, the
// reads the page ran last time.
type Preloads struct {
	mu    sync.Mutex
	reads map[string][]string
}

// PreloadKey names an address a person asked of a plugin.
func PreloadKey(plugin, address string, orgID, userID int64) string {
	return plugin + " " + strconv.FormatInt(orgID, 10) + " " + strconv.FormatInt(userID, 10) + " " + address
}

// Get gives the reads remembered for an address.
func (p *Preloads) Get(key string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reads[key]
}

// Put remembers the reads a page ran, bounded in number and size.
func (p *Preloads) Put(key string, reads []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(reads) == 0 {
		delete(p.reads, key)
		return
	}
	if p.reads == nil || len(p.reads) >= maxPreloadEntries {
		p.reads = map[string][]string{}
	}
	kept := make([]string, 0, len(reads))
	for _, r := range reads {
		if len(r) <= maxPreloadText && len(kept) < 4 {
			kept = append(kept, r)
		}
	}
	p.reads[key] = kept
}

// Preload runs remembered reads for a call; a read that fails or is too
// big is left to the plugin.
func (w *Wall) Preload(ctx context.Context, plugin string, sc *calls.Scope, texts []string) []*pluginv1.Preload {
	if len(texts) == 0 || sc == nil {
		return nil
	}
	var out []*pluginv1.Preload
	for _, text := range texts {
		var batch *pluginv1.RowBatch
		err := w.run(ctx, plugin, sc, nil, text, func(ctx context.Context, db bun.IConn) error {
			// All rows in one batch: a second one with rows means too many.
			return w.queryBatches(ctx, db, text, nil, maxPreloadRows, false, func(b *pluginv1.RowBatch) error {
				switch {
				case batch == nil:
					batch = b
				case len(b.GetRows()) > 0:
					return errTooManyRows
				}
				return nil
			})
		})

		if err != nil {
			w.log.Debug("read not preloaded", "plugin", plugin, "error", err.Error())
			continue
		}
		out = append(out, &pluginv1.Preload{Sql: text, Rows: batch})
	}
	return out
}
