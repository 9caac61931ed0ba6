package sdk

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Migration is one change to the plugin's tables. Names order migrations
// ("20261201090000_notes"); every table is named <id>_… and has an
// organisation_id column, or the host refuses the plugin.
// Since contract v1.0.
type Migration struct {
	Name string
	Up   func(ctx context.Context, db *bun.DB) error
}

// Migration adds a migration, run by the host at start-up when it is new.
// Since contract v1.0.
func (m *Module) Migration(name string, up func(ctx context.Context, db *bun.DB) error) {
	m.migrations = append(m.migrations, Migration{Name: name, Up: up})
}

// migrate applies the pending migrations through the host, recording each
// in <id>_migrations.
func (m *Module) migrate(ctx context.Context, req *pluginv1.MigrateRequest) (*pluginv1.MigrateResponse, error) {
	ctx = context.WithValue(ctx, tokenKey{}, req.GetContext().GetToken())
	db := m.database()
	table := m.manifest.ID + "_migrations"
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (name VARCHAR(200) PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"); err != nil {
		return nil, err
	}
	var done []string
	if err := db.NewRaw("SELECT name FROM "+table).Scan(ctx, &done); err != nil {
		return nil, err
	}
	out := &pluginv1.MigrateResponse{}
	for _, mg := range m.migrations {
		applied := false
		for _, d := range done {
			applied = applied || d == mg.Name
		}
		if applied {
			continue
		}
		if err := mg.Up(ctx, db); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" (name, applied_at) VALUES (?, ?)", mg.Name, time.Now().UTC()); err != nil {
			return nil, err
		}
		out.Applied = append(out.Applied, mg.Name)
	}
	return out, nil
}
