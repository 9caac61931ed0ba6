package dossier

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/store"
)

// Product is a trajectory an organisation offers, such as "individual
// coaching, 4 sessions". Daughter organisations use their ancestors'.
type Product struct {
	bun.BaseModel `bun:"table:products"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	Name           string    `bun:"name,notnull"`
	Sessions       int       `bun:"sessions,notnull"`
	Active         bool      `bun:"active,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// KindTrajectory is the read-state kind of trajectories.
const KindTrajectory = "trajectory"

// Trajectory statuses.
const (
	TrajectoryPlanned = "planned"
	TrajectoryRunning = "running"
	TrajectoryClosed  = "closed"
)

// Trajectory is one product followed by one dossier's person.
type Trajectory struct {
	bun.BaseModel `bun:"table:trajectories"`

	ID              int64     `bun:"id,pk,autoincrement"`
	OrganisationID  int64     `bun:"organisation_id,notnull"`
	DossierID       int64     `bun:"dossier_id,notnull"`
	Number          int       `bun:"number,notnull"` // 1, 2, … within the dossier
	ProductID       int64     `bun:"product_id,notnull"`
	ProductName     string    `bun:"product_name,notnull"`     // as it was called when started
	StartDate       string    `bun:"start_date,notnull"`       // YYYY-MM-DD
	EndDate         string    `bun:"end_date,notnull"`         // "" while open
	SessionsPlanned int       `bun:"sessions_planned,notnull"` // what the trajectory offers
	SessionsBooked  int       `bun:"sessions_booked,notnull"`  // appointments still to come
	SessionsUsed    int       `bun:"sessions_used,notnull"`    // held or missed
	Status          string    `bun:"status,notnull"`
	Classification  string    `bun:"classification,notnull"`
	StartedBy       int64     `bun:"started_by,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
}

// Products lists the products usable in an organisation (its own and its
// ancestors'; lineage nearest first), active ones only unless all.
func (s *Service) Products(ctx context.Context, lineage []int64, all bool) ([]Product, error) {
	var list []Product
	if len(lineage) == 0 {
		return list, nil
	}
	q := s.db.NewSelect().Model(&list).Where("organisation_id IN (?)", bun.List(lineage)).Order("name", "id")
	if !all {
		q = q.Where("active = ?", true)
	}
	return list, q.Scan(ctx)
}

// SaveProduct adds a product to an organisation, or changes one of its own.
func (s *Service) SaveProduct(ctx context.Context, orgID, id int64, name, sessions string, active bool) (*Product, error) {
	name = strings.TrimSpace(name)
	inv := &Invalid{}
	if name == "" {
		inv.Add("name", "form.required")
	} else if utf8.RuneCountInString(name) > 120 {
		inv.Add("name", "form.too_long")
	}
	n, err := strconv.Atoi(strings.TrimSpace(sessions))
	if err != nil || n < 1 || n > 100 {
		inv.Add("sessions", "dossier.error.sessions")
	}
	if err := inv.OrNil(); err != nil {
		return nil, err
	}
	p := &Product{ID: id, OrganisationID: orgID, Name: name, Sessions: n, Active: active, CreatedAt: s.Now().UTC()}
	if id == 0 {
		_, err = s.db.NewInsert().Model(p).Exec(ctx)
		return p, err
	}
	res, err := s.db.NewUpdate().Model(p).Column("name", "sessions", "active").Where("id = ? AND organisation_id = ?", id, orgID).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotFound
	}
	return p, nil
}

// Start is what the "start a trajectory" form asks.
type Start struct {
	ProductID string
	StartDate string // YYYY-MM-DD
}

// StartTrajectory starts a product for a dossier's person: the trajectory
// is planned (or running when it starts today or earlier), the dossier
// becomes active and its person, when they have no account yet, is invited.
// lineage is the dossier organisation's, for the products it may use.
func (s *Service) StartTrajectory(ctx context.Context, who Who, dossierID int64, lineage []int64, in Start, ip string) (*Trajectory, error) {
	inv := &Invalid{}
	productID, err := strconv.ParseInt(in.ProductID, 10, 64)
	if err != nil || productID <= 0 {
		inv.Add("product", "form.choose")
	}
	today := s.Now().UTC().Format(time.DateOnly)
	start, err := time.Parse(time.DateOnly, strings.TrimSpace(in.StartDate))
	if err != nil || start.Year() < 2000 || start.Year() > 2100 {
		inv.Add("start_date", "dossier.error.start_date")
	}
	if err := inv.OrNil(); err != nil {
		return nil, err
	}
	var t *Trajectory
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, View)
		if err != nil {
			return err
		}
		p := new(Product)
		err = tx.NewSelect().Model(p).Where("id = ? AND active = ? AND organisation_id IN (?)", productID, true, bun.List(lineage)).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return &Invalid{Fields: map[string]string{"product": "form.choose"}}
		}
		if err != nil {
			return err
		}
		var last int
		if err := tx.NewSelect().Model((*Trajectory)(nil)).ColumnExpr("COALESCE(MAX(number), 0)").Where("dossier_id = ?", d.ID).Scan(ctx, &last); err != nil {
			return err
		}
		t = &Trajectory{OrganisationID: d.OrganisationID, DossierID: d.ID, Number: last + 1, ProductID: p.ID, ProductName: p.Name,
			StartDate: start.Format(time.DateOnly), SessionsPlanned: p.Sessions, Status: TrajectoryPlanned, StartedBy: who.UserID, CreatedAt: s.Now().UTC()}
		if t.StartDate <= today {
			t.Status = TrajectoryRunning
		}
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return err
		}
		item := &readstate.Item{OrganisationID: d.OrganisationID, DossierID: d.ID, Kind: KindTrajectory, Ref: strconv.FormatInt(t.ID, 10), AuthorID: &who.UserID}
		if err := readstate.Add(ctx, tx, item); err != nil {
			return err
		}
		if d.UserID == nil && s.notify != nil {
			if d.UserID, err = s.notify.InvitePerson(ctx, who.UserID, d, ip); err != nil {
				return err
			}
		}
		d.Status, d.UpdatedAt = StatusActive, s.Now().UTC()
		if _, err := tx.NewUpdate().Model(d).Column("status", "user_id", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, who, d, "dossier.trajectory_started", ip, p.Name); err != nil {
			return err
		}
		return s.emit(ctx, who, d, "dossier.trajectory_started", t.ID)
	})
	return t, err
}

// Trajectories lists a dossier's trajectories, newest first.
func (s *Service) Trajectories(ctx context.Context, dossierID int64) ([]Trajectory, error) {
	var list []Trajectory
	err := s.db.NewSelect().Model(&list).Where("dossier_id = ?", dossierID).Order("number DESC").Scan(ctx)
	return list, err
}

// CloseTrajectory ends a trajectory today with a classification; it needs Edit.
func (s *Service) CloseTrajectory(ctx context.Context, who Who, dossierID, trajectoryID int64, classification, ip string) error {
	classification = strings.TrimSpace(classification)
	if utf8.RuneCountInString(classification) > 120 {
		return &Invalid{Fields: map[string]string{"classification": "form.too_long"}}
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Edit)
		if err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*Trajectory)(nil)).
			Set("status = ?, end_date = ?, classification = ?", TrajectoryClosed, s.Now().UTC().Format(time.DateOnly), classification).
			Where("id = ? AND dossier_id = ? AND status <> ?", trajectoryID, d.ID, TrajectoryClosed).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := record(ctx, tx, who, d, "dossier.trajectory_closed", ip, classification); err != nil {
			return err
		}
		return s.emit(ctx, who, d, "dossier.trajectory_closed", trajectoryID)
	})
}

// maxSessions bounds the counts a module may record for one trajectory.
const maxSessions = 1000

// Usage is one module's use of a trajectory: its sessions booked (still to
// come) and used (held or missed). The trajectory's counts are the sum of
// its modules' usage.
type Usage struct {
	bun.BaseModel `bun:"table:trajectory_usage"`

	TrajectoryID int64  `bun:"trajectory_id,pk"`
	Module       string `bun:"module,pk"`
	Booked       int    `bun:"booked,notnull"`
	Used         int    `bun:"used,notnull"`
}

// RecordUsage records how many sessions of an open trajectory a module has
// booked and how many were used (the agenda counts its appointments); the
// trajectory's counts become the sum over its modules, and the first use
// sets a planned trajectory running. It needs Contribute: a coachee who
// books a session changes the count.
func (s *Service) RecordUsage(ctx context.Context, who Who, module string, dossierID, trajectoryID int64, booked, used int) error {
	if booked < 0 || used < 0 || booked > maxSessions || used > maxSessions {
		return &Invalid{Fields: map[string]string{"sessions": "form.invalid"}}
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Contribute)
		if err != nil {
			return err
		}
		// Held first, so that two modules' records of one trajectory
		// follow each other and each sum sees the other's row.
		open, err := tx.NewSelect().Model((*Trajectory)(nil)).Where("id = ? AND dossier_id = ? AND status <> ?", trajectoryID, d.ID, TrajectoryClosed).Exists(ctx)
		if err != nil {
			return err
		}
		if !open {
			return ErrNotFound
		}
		if err := store.HoldRow(ctx, tx, "trajectories", trajectoryID); err != nil {
			return err
		}
		row := &Usage{TrajectoryID: trajectoryID, Module: module, Booked: booked, Used: used}
		if _, err := tx.NewInsert().Model(row).On("CONFLICT (trajectory_id, module) DO UPDATE").
			Set("booked = EXCLUDED.booked").Set("used = EXCLUDED.used").Exec(ctx); err != nil {
			return err
		}
		q := tx.NewUpdate().Model((*Trajectory)(nil)).
			Set("sessions_booked = (SELECT COALESCE(SUM(booked), 0) FROM trajectory_usage WHERE trajectory_id = ?)", trajectoryID).
			Set("sessions_used = (SELECT COALESCE(SUM(used), 0) FROM trajectory_usage WHERE trajectory_id = ?)", trajectoryID)
		if booked+used > 0 {
			q = q.Set("status = CASE WHEN status = ? THEN ? ELSE status END", TrajectoryPlanned, TrajectoryRunning)
		}
		_, err = q.Where("id = ?", trajectoryID).Exec(ctx)
		return err
	})
}
