package wall_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
)

// TestInstancesPrepareAPluginTogether: instances of two installations on
// one PostgreSQL database start the same plugin at the same moment, as
// several instances behind a load balancer do. PostgreSQL refuses two
// concurrent changes of one catalogue row ("tuple concurrently updated"),
// so without turns one of them failed to start its plugin.
func TestInstancesPrepareAPluginTogether(t *testing.T) {
	t.Parallel()
	key, err := secrets.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var walls []*wall.Wall
	for range 2 { // two installations, each with two instances
		cfg := coretest.Postgres(t)
		for range 2 {
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			walls = append(walls, wall.New(db, slog.New(slog.DiscardHandler), key))
		}
	}
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, len(walls))
		for i, w := range walls {
			wg.Go(func() {
				unlock, err := w.Lock(ctx, "notes")
				if err != nil {
					errs[i] = err
					return
				}
				defer unlock()
				_, errs[i] = w.Prepare(ctx, "notes")
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, instance %d: %v", round, i, err)
			}
		}
	}
}

// TestInstancesAgreeOnTheRolesPasswords: the plugins' roles take their
// passwords from the installation's key, so a second instance starting
// does not lock the first out of its own plugins' pools; another key
// (another installation) gives other passwords.
func TestInstancesAgreeOnTheRolesPasswords(t *testing.T) {
	t.Parallel()
	one, _ := secrets.NewBox([]byte(strings.Repeat("a", 32)))
	other, _ := secrets.NewBox([]byte(strings.Repeat("b", 32)))
	again, _ := secrets.NewBox([]byte(strings.Repeat("a", 32))) // a second instance's copy of the key
	if wall.RoleSecret(one, "atr1_chat") != wall.RoleSecret(again, "atr1_chat") {
		t.Error("two instances with one key derive different passwords")
	}
	if wall.RoleSecret(one, "atr1_chat") == wall.RoleSecret(one, "atr1_chat_m") {
		t.Error("two roles share a password")
	}
	if wall.RoleSecret(one, "atr1_chat") == wall.RoleSecret(other, "atr1_chat") {
		t.Error("two keys derive the same password")
	}
}
