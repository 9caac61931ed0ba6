package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Subscription is what a subscriber may use: modules and plan limits. Its
// daughters share it.
type Subscription struct {
	bun.BaseModel `bun:"table:subscriptions"`

	OrganisationID int64  `bun:"organisation_id,pk"`
	Modules        string `bun:"modules,notnull"` // module ids, comma-separated
	MaxPeople      int    `bun:"max_people,notnull"`
	// StorageMB is the files' storage of the whole tree and MaxFileMB its
	// largest file, in MiB (0: the installation's).
	StorageMB int       `bun:"storage_mb,notnull"`
	MaxFileMB int       `bun:"max_file_mb,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// ModuleList is the subscription's modules as a list.
func (s Subscription) ModuleList() []string {
	if s.Modules == "" {
		return nil
	}
	return strings.Split(s.Modules, ",")
}

// Allows tells whether the subscription includes a module.
func (s Subscription) Allows(module string) bool { return slices.Contains(s.ModuleList(), module) }

// ErrPlanLimit refuses one person more than the subscription allows.
var ErrPlanLimit = refusal.New(refusal.Conflict, "tenancy: the subscription is full", "tenancy.error.plan_limit")

// ErrBusy refuses an addition that waited RoomWait for the additions to the
// same subscriber before it: try again.
var ErrBusy = refusal.New(refusal.Conflict, "tenancy: the subscription is busy with other additions", "tenancy.error.busy")

// RoomWait is how long an addition waits on PostgreSQL for the additions to
// the same subscriber before it (CheckRoom). A waiting transaction holds a
// connection, and some callers reach for another one from the pool while
// they hold the subscription; with the pool full of waiters the first would
// wait for ever and take the whole instance with it. The bound turns that
// into a short stall and ErrBusy for the waiters.
const RoomWait = 5 * time.Second

// Subscription returns the subscription that applies to an organisation: its
// subscriber's. An organisation without one may use nothing and nobody.
func (s *Service) Subscription(ctx context.Context, orgID int64) (*Subscription, error) {
	root := s.rootOf(ctx, s.db, orgID)
	sub := &Subscription{OrganisationID: root}
	err := s.db.NewSelect().Model(sub).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, nil
	}
	return sub, err
}

// Plan is what a subscription allows.
type Plan struct {
	Modules   []string
	MaxPeople int
	// StorageMB and MaxFileMB bound the files (0: the installation's).
	StorageMB, MaxFileMB int
}

// SetSubscription saves a subscriber's plan; modules taken away are
// switched off in its whole tree, modules added are switched on at the
// subscriber.
func (s *Service) SetSubscription(ctx context.Context, orgID int64, plan Plan, known []string) error {
	modules, maxPeople := plan.Modules, plan.MaxPeople
	inv := &Invalid{}
	for _, m := range modules {
		if !slices.Contains(known, m) {
			inv.Add("modules", "form.choose")
		}
	}
	if maxPeople < 1 || maxPeople > 1_000_000 {
		inv.Add("max_people", "tenancy.error.max_people")
	}
	if plan.StorageMB < 0 || plan.StorageMB > 100_000_000 {
		inv.Add("storage_mb", "tenancy.error.storage")
	}
	if plan.MaxFileMB < 0 || plan.MaxFileMB > 1_000_000 {
		inv.Add("max_file_mb", "tenancy.error.storage")
	}
	if err := inv.OrNil(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		org, err := s.find(ctx, tx, "id = ?", orgID)
		if err != nil {
			return err
		}
		if !org.Subscriber() {
			return &Invalid{Fields: map[string]string{"modules": "tenancy.error.daughter_subscription"}}
		}
		old := &Subscription{OrganisationID: orgID}
		_ = tx.NewSelect().Model(old).WherePK().Scan(ctx)
		sub := &Subscription{OrganisationID: orgID, Modules: strings.Join(modules, ","), MaxPeople: maxPeople,
			StorageMB: plan.StorageMB, MaxFileMB: plan.MaxFileMB, UpdatedAt: time.Now().UTC()}
		if _, err := tx.NewInsert().Model(sub).On("CONFLICT (organisation_id) DO UPDATE").
			Set("modules = EXCLUDED.modules").Set("max_people = EXCLUDED.max_people").
			Set("storage_mb = EXCLUDED.storage_mb").Set("max_file_mb = EXCLUDED.max_file_mb").Set("updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return err
		}
		tree, err := s.subtree(ctx, tx, orgID)
		if err != nil {
			return err
		}
		for _, m := range old.ModuleList() {
			if !slices.Contains(modules, m) {
				if _, err := tx.NewDelete().Model((*switchRow)(nil)).Where("organisation_id IN (?)", bun.List(tree)).Where("module = ?", m).Exec(ctx); err != nil {
					return err
				}
			}
		}
		for _, m := range modules {
			if !old.Allows(m) {
				if _, err := tx.NewInsert().Model(&switchRow{OrganisationID: orgID, Module: m}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// CheckRoom refuses adding people beyond the subscription's limit. Run it in
// the transaction that adds the person, before adding them: it holds the
// subscription until that transaction ends, so that additions to one
// subscriber queue and each counts the ones before it.
func (s *Service) CheckRoom(ctx context.Context, orgID int64) error {
	return s.checkRoom(ctx, s.db.In(ctx), orgID, 0)
}

// checkRoom is CheckRoom for letting userID in (0 for someone new): a
// person already counted elsewhere in the tree takes no second place.
func (s *Service) checkRoom(ctx context.Context, tx bun.IDB, orgID, userID int64) error {
	root := s.rootOf(ctx, tx, orgID)
	pg := tx.Dialect().Name() == dialect.PG
	q := tx.NewSelect().Model((*Subscription)(nil)).Column("max_people").Where("organisation_id = ?", root)
	if pg {
		// Under READ COMMITTED two additions would each count the people
		// before either is written, and both pass. The row lock makes the
		// second wait for the first to commit and count again after it.
		// SQLite needs none: its transactions take the write lock at BEGIN
		// (store's _txlock=immediate), so additions already run one by one.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", RoomWait.Milliseconds())); err != nil {
			return err
		}
		q = q.For("UPDATE")
	}
	var limit int
	err := q.Scan(ctx, &limit)
	if lockNotAvailable(err) {
		return ErrBusy
	}
	if pg && (err == nil || errors.Is(err, sql.ErrNoRows)) {
		// The rest of the caller's transaction waits as the server is set to.
		if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout TO DEFAULT"); err != nil {
			return err
		}
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && limit == 0) {
		return nil // no subscription set: an operator's own or a demo organisation
	}
	if err != nil {
		return err
	}
	tree, err := s.subtree(ctx, tx, root)
	if err != nil {
		return err
	}
	var n int
	if err := tx.NewRaw("SELECT COUNT(DISTINCT user_id) FROM members WHERE organisation_id IN (?) AND active = ? AND user_id <> ?",
		bun.List(tree), true, userID).Scan(ctx, &n); err != nil {
		return err
	}
	if n >= limit {
		return ErrPlanLimit
	}
	return nil
}

// lockNotAvailable tells whether err is PostgreSQL's lock_timeout
// (SQLSTATE 55P03), read through the driver's error without naming it.
func lockNotAvailable(err error) bool {
	var state interface{ SQLState() string }
	return errors.As(err, &state) && state.SQLState() == "55P03"
}

// switchRow records that an organisation has switched a module on.
type switchRow struct {
	bun.BaseModel `bun:"table:organisation_modules"`

	OrganisationID int64  `bun:"organisation_id,pk"`
	Module         string `bun:"module,pk"`
}

// Modules lists the modules an organisation has on: those it switched on that
// every organisation above it has on too, within the subscription.
func (s *Service) Modules(ctx context.Context, orgID int64) ([]string, error) {
	lineage, err := s.Lineage(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.ModulesIn(ctx, lineage)
}

// ModuleOn tells whether an organisation has a module on.
func (s *Service) ModuleOn(ctx context.Context, orgID int64, module string) (bool, error) {
	on, err := s.Modules(ctx, orgID)
	return slices.Contains(on, module), err
}

// ModulesIn is Modules for an organisation whose lineage (nearest first,
// ending at the subscriber) the caller has already read.
func (s *Service) ModulesIn(ctx context.Context, lineage []Organisation) ([]string, error) {
	if len(lineage) == 0 {
		return nil, ErrNotFound
	}
	ids := make([]int64, len(lineage))
	for i, o := range lineage {
		ids[i] = o.ID
	}
	var rows []switchRow
	if err := s.db.NewSelect().Model(&rows).Where("organisation_id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	on := map[string]int{}
	for _, r := range rows {
		on[r.Module]++
	}
	sub := &Subscription{OrganisationID: lineage[len(lineage)-1].ID}
	if err := s.db.NewSelect().Model(sub).WherePK().Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var out []string
	for _, m := range sub.ModuleList() {
		if on[m] == len(ids) { // on at every level
			out = append(out, m)
		}
	}
	return out, nil
}

// SetModule switches a module on or off for an organisation (and, when off,
// for all its daughters). On needs the parent to have it on.
func (s *Service) SetModule(ctx context.Context, orgID int64, module string, on bool) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if !on {
			tree, err := s.subtree(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if _, err = tx.NewDelete().Model((*switchRow)(nil)).Where("organisation_id IN (?)", bun.List(tree)).Where("module = ?", module).Exec(ctx); err != nil {
				return err
			}
			return audit.Note(ctx, tx, orgID, "organisation.module_off", 0, module)
		}
		org, err := s.find(ctx, tx, "id = ?", orgID)
		if err != nil {
			return err
		}
		allowed, err := s.allowedFor(ctx, org)
		if err != nil {
			return err
		}
		if !slices.Contains(allowed, module) {
			return &Invalid{Fields: map[string]string{"module": "tenancy.error.module_not_allowed"}}
		}
		if _, err = tx.NewInsert().Model(&switchRow{OrganisationID: orgID, Module: module}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		return audit.Note(ctx, tx, orgID, "organisation.module_on", 0, module)
	})
}

// Allowed lists the modules an organisation may switch on: its subscription's
// for a subscriber, its parent's active modules for a daughter.
func (s *Service) Allowed(ctx context.Context, org *Organisation) ([]string, error) {
	return s.allowedFor(ctx, org)
}

func (s *Service) allowedFor(ctx context.Context, org *Organisation) ([]string, error) {
	if org.Subscriber() {
		sub, err := s.Subscription(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		return sub.ModuleList(), nil
	}
	return s.Modules(ctx, *org.ParentID)
}

// WithModule lists the organisations that have a module on, each with its
// lineage (the organisation first). Only organisations that switched it on
// themselves can have it, so those are the ones checked.
func (s *Service) WithModule(ctx context.Context, module string) ([][]Organisation, error) {
	var ids []int64
	if err := s.db.NewSelect().Model((*switchRow)(nil)).Column("organisation_id").Where("module = ?", module).Order("organisation_id").Scan(ctx, &ids); err != nil {
		return nil, err
	}
	var out [][]Organisation
	for _, id := range ids {
		lineage, err := s.Lineage(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(lineage) == 0 {
			continue
		}
		on, err := s.ModulesIn(ctx, lineage)
		if err != nil {
			return nil, err
		}
		if slices.Contains(on, module) {
			out = append(out, lineage)
		}
	}
	return out, nil
}

// storageMigration gives subscriptions their files' storage and largest
// file.
func storageMigration() store.Migration {
	cols := []string{"storage_mb", "max_file_mb"}
	return store.Migration{
		Name: "20270102080000_subscription_storage",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, col := range cols {
				if _, err := tx.ExecContext(ctx, "ALTER TABLE subscriptions ADD COLUMN "+col+" integer NOT NULL DEFAULT 0"); err != nil {
					return err
				}
			}
			return nil
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			for _, col := range cols {
				if _, err := tx.ExecContext(ctx, "ALTER TABLE subscriptions DROP COLUMN "+col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
