package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
)

// row is an event as PostgreSQL keeps it for the instances to read.
type row struct {
	bun.BaseModel  `bun:"table:realtime_events"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	Topic          string    `bun:"topic,notnull"`
	Name           string    `bun:"name,notnull"`
	Data           string    `bun:"data,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Migrations are the schema realtime owns: the events table PostgreSQL
// instances share (SQLite, one process, never writes it).
func Migrations() []store.Migration {
	type event struct {
		bun.BaseModel  `bun:"table:realtime_events"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		Topic          string    `bun:"topic,notnull"`
		Name           string    `bun:"name,notnull"`
		Data           string    `bun:"data,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	type presence struct {
		bun.BaseModel  `bun:"table:realtime_presence"`
		OrganisationID int64     `bun:"organisation_id,pk"`
		UserID         int64     `bun:"user_id,pk"`
		Instance       string    `bun:"instance,pk"`
		Until          time.Time `bun:"until,notnull"`
	}
	return []store.Migration{{
		Name: "20261230150000_realtime_presence_away",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "ALTER TABLE realtime_presence ADD COLUMN away BOOLEAN NOT NULL DEFAULT FALSE")
			return err
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "ALTER TABLE realtime_presence DROP COLUMN away")
			return err
		},
	}, {
		Name: "20261230130000_realtime_presence",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewCreateTable().Model((*presence)(nil)).Exec(ctx)
			return err
		},
		Down: store.DropTables((*presence)(nil)),
	}, {
		Name: "20261230110000_realtime",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*event)(nil)).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*event)(nil)).Index("realtime_events_created").Column("created_at").Exec(ctx)
			return err
		},
		Down: store.DropTables((*event)(nil)),
	}}
}

// presence says who has a stream open on an instance, and whether all of
// theirs there are away, until a time: each instance writes its own every
// heartbeat, so a crashed one's fade.
type presence struct {
	bun.BaseModel  `bun:"table:realtime_presence"`
	OrganisationID int64     `bun:"organisation_id,pk"`
	UserID         int64     `bun:"user_id,pk"`
	Instance       string    `bun:"instance,pk"`
	Until          time.Time `bun:"until,notnull"`
	Away           bool      `bun:"away,notnull"`
}

// heartbeat is how often an instance says who is online on it.
const heartbeat = 15 * time.Second

// keptFor is how long PostgreSQL keeps events for instances that were
// briefly away.
const keptFor = 10 * time.Minute

// Postgres is the publisher of instances sharing one PostgreSQL database:
// an event is a row (its id numbers it for every instance) and a NOTIFY;
// each instance LISTENs and hands the rows to its hub in id order.
type Postgres struct {
	hub      *Hub
	db       *bun.DB
	url      string
	log      *slog.Logger
	mu       sync.Mutex
	instance string       // this process, in the presence table
	channel  string       // set by ready
	last     atomic.Int64 // the newest id handed to the hub
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]`)

// NewPostgres publishes through the database at url.
func NewPostgres(hub *Hub, db *bun.DB, url string, log *slog.Logger) *Postgres {
	return &Postgres{hub: hub, db: db, url: url, log: log, instance: secrets.Token(12)}
}

// Presence is who has a stream open on any instance: this one's hub, and
// what the others said at their last heartbeat. Someone here on one
// instance and away on another is here.
func (p *Postgres) Presence(ctx context.Context, org int64, users []int64) (map[int64]State, error) {
	out := p.hub.Presence(org, users)
	if len(users) == 0 {
		return out, nil
	}
	var there []presence
	err := p.db.NewSelect().Model(&there).Column("user_id", "away").
		Where("organisation_id = ? AND user_id IN (?) AND instance <> ? AND until > ?", org, bun.List(users), p.instance, time.Now().UTC()).Scan(ctx)
	if err != nil {
		return out, err
	}
	for _, r := range there {
		st := Here
		if r.Away {
			st = Away
		}
		out[r.UserID] = max(out[r.UserID], st)
	}
	return out, nil
}

// tuneTopic marks a row that carries a tab's tuning rather than an event:
// tunings travel like events (a row, then a NOTIFY), so that an instance
// that lost its connection for a moment catches up on them too.
const tuneTopic = "tune"

// Tune goes to every instance; the one holding the stream applies it.
func (p *Postgres) Tune(ctx context.Context, t Tune) error {
	payload, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return p.insert(ctx, row{OrganisationID: t.OrganisationID, Topic: tuneTopic, Name: tuneTopic, Data: string(payload)})
}

// sayWhoIsHere writes this instance's people online, every heartbeat,
// and takes back the ones who left.
func (p *Postgres) sayWhoIsHere(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		if err := p.writePresence(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("realtime: presence not written", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Postgres) writePresence(ctx context.Context) error {
	people := p.hub.People()
	until := time.Now().Add(2 * heartbeat).UTC()
	return p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*presence)(nil)).Where("instance = ? OR until < ?", p.instance, time.Now().UTC()).Exec(ctx); err != nil {
			return err
		}
		if len(people) == 0 {
			return nil
		}
		rows := make([]presence, 0, len(people))
		for _, who := range people {
			rows = append(rows, presence{OrganisationID: who.OrganisationID, UserID: who.UserID, Away: who.Away, Instance: p.instance, Until: until})
		}
		_, err := tx.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
}

// ready names the channel after the schema, so that installations sharing
// a database server (or tests, a schema each) never hear each other, and
// starts after the newest event there is, with the recent ones kept for
// replay: a tab that comes back after a restart (or from an instance that
// went) catches up on what was published meanwhile. Once, after
// migrations.
func (p *Postgres) ready(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.channel != "" {
		return nil
	}
	var schema string
	if err := p.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	var last int64
	if err := p.db.NewSelect().Model((*row)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Scan(ctx, &last); err != nil {
		return err
	}
	var recent []row
	if err := p.db.NewSelect().Model(&recent).Where("id <= ? AND topic <> ?", last, tuneTopic).Order("id DESC").Limit(kept).Scan(ctx); err != nil {
		return err
	}
	for i := len(recent) - 1; i >= 0; i-- {
		r := recent[i]
		p.hub.Keep(Event{ID: r.ID, OrganisationID: r.OrganisationID, Topic: r.Topic, Name: r.Name, Data: r.Data, At: r.CreatedAt})
	}
	p.last.Store(last)
	p.channel = "atrium_realtime_" + unsafeName.ReplaceAllString(schema, "_")
	return nil
}

// Publish stores the event and tells every instance; they deliver it when
// the transaction commits.
func (p *Postgres) Publish(ctx context.Context, e Event) error {
	if err := Check(e); err != nil {
		return err
	}
	return p.insert(ctx, row{OrganisationID: e.OrganisationID, Topic: e.Topic, Name: e.Name, Data: e.Data})
}

// insert stores a row and tells every instance to read it.
func (p *Postgres) insert(ctx context.Context, r row) error {
	if err := p.ready(ctx); err != nil {
		return err
	}
	r.CreatedAt = time.Now().UTC()
	return p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", p.channel, strconv.FormatInt(r.ID, 10))
		return err
	})
}

// Run listens until ctx ends, coming back after a lost connection (and
// catching up on what was published meanwhile), and forgets old events.
func (p *Postgres) Run(ctx context.Context) {
	go p.forget(ctx)
	go p.sayWhoIsHere(ctx)
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		err := p.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		p.log.Warn("realtime: lost PostgreSQL notifications; listening again", "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (p *Postgres) listen(ctx context.Context) error {
	if err := p.ready(ctx); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, p.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{p.channel}.Sanitize()); err != nil {
		return err
	}
	if err := p.catchUp(ctx); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		if err := p.catchUp(ctx); err != nil {
			return err
		}
	}
}

// catchUp hands the hub every event after the newest it has, in order.
func (p *Postgres) catchUp(ctx context.Context) error {
	var rows []row
	if err := p.db.NewSelect().Model(&rows).Where("id > ?", p.last.Load()).Order("id").Limit(1000).Scan(ctx); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Topic == tuneTopic {
			var t Tune
			if json.Unmarshal([]byte(r.Data), &t) == nil {
				p.hub.Tune(t)
			}
		} else {
			p.hub.Deliver(Event{ID: r.ID, OrganisationID: r.OrganisationID, Topic: r.Topic, Name: r.Name, Data: r.Data, At: r.CreatedAt})
		}
		p.last.Store(r.ID)
	}
	return nil
}

// forget deletes events older than keptFor, once a minute.
func (p *Postgres) forget(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := p.db.NewDelete().Model((*row)(nil)).Where("created_at < ?", time.Now().Add(-keptFor).UTC()).Exec(ctx); err != nil {
				p.log.Warn("realtime: old events not deleted", "error", err)
			}
		}
	}
}
