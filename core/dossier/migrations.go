package dossier

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes dossier owns. Each keeps frozen copies
// of its tables, so that a later change to a model never changes what an
// applied migration did.
func Migrations() []store.Migration {
	type dossier struct {
		bun.BaseModel   `bun:"table:dossiers"`
		ID              int64     `bun:"id,pk,autoincrement"`
		OrganisationID  int64     `bun:"organisation_id,notnull"`
		UserID          *int64    `bun:"user_id"`
		CoachID         *int64    `bun:"coach_id"`
		Status          string    `bun:"status,notnull"`
		PersonnelNumber string    `bun:"personnel_number,notnull"`
		FamilyName      string    `bun:"family_name,notnull"`
		NamePrefix      string    `bun:"name_prefix,notnull"`
		GivenName       string    `bun:"given_name,notnull"`
		Initials        string    `bun:"initials,notnull"`
		Gender          string    `bun:"gender,notnull"`
		BirthDate       string    `bun:"birth_date,notnull"`
		Email           string    `bun:"email,notnull"`
		Phone           string    `bun:"phone,notnull"`
		Street          string    `bun:"street,notnull"`
		Postcode        string    `bun:"postcode,notnull"`
		City            string    `bun:"city,notnull"`
		Country         string    `bun:"country,notnull"`
		Department      string    `bun:"department,notnull"`
		Location        string    `bun:"location,notnull"`
		CostCentre      string    `bun:"cost_centre,notnull"`
		Notes           string    `bun:"notes,notnull"`
		GivenKey        string    `bun:"given_key,notnull"`
		FamilyKey       string    `bun:"family_key,notnull"`
		RegisteredBy    int64     `bun:"registered_by,notnull"`
		CreatedAt       time.Time `bun:"created_at,notnull"`
		UpdatedAt       time.Time `bun:"updated_at,notnull"`
	}
	type coach struct {
		bun.BaseModel  `bun:"table:dossier_coaches"`
		OrganisationID int64 `bun:"organisation_id,notnull"`
		DossierID      int64 `bun:"dossier_id,pk"`
		UserID         int64 `bun:"user_id,pk"`
	}
	type share struct {
		bun.BaseModel  `bun:"table:dossier_shares"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		DossierID      int64     `bun:"dossier_id,notnull,unique:dossier_shares_person"`
		UserID         int64     `bun:"user_id,notnull,unique:dossier_shares_person"`
		Level          string    `bun:"level,notnull"`
		GrantedBy      int64     `bun:"granted_by,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
		UpdatedAt      time.Time `bun:"updated_at,notnull"`
	}
	type product struct {
		bun.BaseModel  `bun:"table:products"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		Name           string    `bun:"name,notnull"`
		Sessions       int       `bun:"sessions,notnull"`
		Active         bool      `bun:"active,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	type trajectory struct {
		bun.BaseModel   `bun:"table:trajectories"`
		ID              int64     `bun:"id,pk,autoincrement"`
		OrganisationID  int64     `bun:"organisation_id,notnull"`
		DossierID       int64     `bun:"dossier_id,notnull"`
		Number          int       `bun:"number,notnull"`
		ProductID       int64     `bun:"product_id,notnull"`
		ProductName     string    `bun:"product_name,notnull"`
		StartDate       string    `bun:"start_date,notnull"`
		EndDate         string    `bun:"end_date,notnull"`
		SessionsPlanned int       `bun:"sessions_planned,notnull"`
		SessionsUsed    int       `bun:"sessions_used,notnull"`
		Status          string    `bun:"status,notnull"`
		Classification  string    `bun:"classification,notnull"`
		StartedBy       int64     `bun:"started_by,notnull"`
		CreatedAt       time.Time `bun:"created_at,notnull"`
	}
	type task struct {
		bun.BaseModel  `bun:"table:dossier_tasks"`
		ID             int64      `bun:"id,pk,autoincrement"`
		OrganisationID int64      `bun:"organisation_id,notnull"`
		DossierID      int64      `bun:"dossier_id,notnull"`
		Kind           string     `bun:"kind,notnull"`
		Note           string     `bun:"note,notnull"`
		Status         string     `bun:"status,notnull"`
		RequestedBy    int64      `bun:"requested_by,notnull"`
		HandledBy      *int64     `bun:"handled_by"`
		Comment        string     `bun:"comment,notnull"`
		CreatedAt      time.Time  `bun:"created_at,notnull"`
		HandledAt      *time.Time `bun:"handled_at"`
	}
	type team struct {
		bun.BaseModel  `bun:"table:teams"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		Name           string    `bun:"name,notnull"`
		CoachID        int64     `bun:"coach_id,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	type teamMember struct {
		bun.BaseModel  `bun:"table:team_members"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		TeamID         int64     `bun:"team_id,pk"`
		DossierID      int64     `bun:"dossier_id,pk"`
		UserID         int64     `bun:"user_id,notnull"`
		Visible        bool      `bun:"visible,notnull"`
		AddedAt        time.Time `bun:"added_at,notnull"`
	}
	type index struct {
		model   any
		name    string
		columns []string
	}
	return []store.Migration{{
		Name: "20261202090000_dossiers",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, m := range []any{(*dossier)(nil), (*coach)(nil), (*share)(nil), (*product)(nil), (*trajectory)(nil), (*task)(nil), (*team)(nil), (*teamMember)(nil)} {
				if _, err := tx.NewCreateTable().Model(m).Exec(ctx); err != nil {
					return err
				}
			}
			// The list sorts by name within an organisation; the quick
			// search scans a range of either folded name.
			for _, ix := range []index{
				{(*dossier)(nil), "dossiers_by_family", []string{"organisation_id", "family_key", "given_key", "status"}},
				{(*dossier)(nil), "dossiers_by_given", []string{"organisation_id", "given_key", "status"}},
				{(*dossier)(nil), "dossiers_by_coach", []string{"coach_id"}},
				{(*dossier)(nil), "dossiers_by_person", []string{"user_id"}},
				{(*coach)(nil), "dossier_coaches_by_person", []string{"user_id"}},
				{(*share)(nil), "dossier_shares_by_person", []string{"user_id"}},
				{(*trajectory)(nil), "trajectories_by_dossier", []string{"dossier_id", "number"}},
				{(*task)(nil), "dossier_tasks_by_status", []string{"organisation_id", "status"}},
				{(*task)(nil), "dossier_tasks_by_dossier", []string{"dossier_id"}},
				{(*teamMember)(nil), "team_members_by_person", []string{"user_id"}},
			} {
				if _, err := tx.NewCreateIndex().Model(ix.model).Index(ix.name).Column(ix.columns...).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		},
		Down: store.DropTables((*teamMember)(nil), (*team)(nil), (*task)(nil), (*trajectory)(nil), (*product)(nil), (*share)(nil), (*coach)(nil), (*dossier)(nil)),
	}, {
		// The agenda counts booked sessions apart from the ones the
		// trajectory offers (planned) and the ones held (used).
		Name: "20261230090000_sessions_booked",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewAddColumn().Table("trajectories").ColumnExpr("sessions_booked INTEGER NOT NULL DEFAULT 0").Exec(ctx)
			return err
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewDropColumn().Table("trajectories").Column("sessions_booked").Exec(ctx)
			return err
		},
	}, {
		// Tasks are between staff unless marked for the person; the ones
		// filed before were shown to the person, but nobody chose that, so
		// they become staff-only too.
		Name: "20261231090000_dossier_tasks_for_person",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewAddColumn().Table("dossier_tasks").ColumnExpr("for_person BOOLEAN NOT NULL DEFAULT FALSE").Exec(ctx)
			return err
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewDropColumn().Table("dossier_tasks").Column("for_person").Exec(ctx)
			return err
		},
	}, {
		// Each module records its own use of a trajectory (the agenda its
		// appointments, a later module its own), and the trajectory's counts
		// are their sum: two modules no longer overwrite each other. The
		// counts so far were the agenda's, the only module that kept them.
		Name: "20270101090000_trajectory_usage",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*Usage)(nil)).
				ForeignKey(`(trajectory_id) REFERENCES trajectories (id) ON DELETE CASCADE`).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewRaw(`INSERT INTO trajectory_usage (trajectory_id, module, booked, used)
				SELECT id, 'agenda', sessions_booked, sessions_used FROM trajectories WHERE sessions_booked > 0 OR sessions_used > 0`).Exec(ctx)
			return err
		},
		Down: store.DropTables((*Usage)(nil)),
	}}
}
