// Package dossier owns dossiers: the record of one person's trajectory within
// an organisation, with the person's details as an employer registers them,
// the responsible coach and co-coaches, the trajectories, and who else may
// open it (shares, across organisations too). Plugins fill the dossier page
// with their cards; this package decides who sees which dossier.
package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Module is the module id of dossiers: organisations that guide nobody (a
// service firm's customer portal) switch it off.
const Module = "dossiers"

// Statuses of a dossier.
const (
	StatusRegistered = "registered" // details known, no trajectory yet
	StatusActive     = "active"     // a trajectory is planned or running
	StatusClosed     = "closed"
)

// Statuses lists them in the order they are offered.
var Statuses = []string{StatusRegistered, StatusActive, StatusClosed}

// Dossier is one person being guided within one organisation.
type Dossier struct {
	bun.BaseModel `bun:"table:dossiers"`

	ID             int64  `bun:"id,pk,autoincrement"`
	OrganisationID int64  `bun:"organisation_id,notnull"`
	UserID         *int64 `bun:"user_id"`  // the person's account, once invited
	CoachID        *int64 `bun:"coach_id"` // the responsible coach
	Status         string `bun:"status,notnull"`

	PersonnelNumber string `bun:"personnel_number,notnull"`
	FamilyName      string `bun:"family_name,notnull"`
	NamePrefix      string `bun:"name_prefix,notnull"`
	GivenName       string `bun:"given_name,notnull"`
	Initials        string `bun:"initials,notnull"`
	Gender          string `bun:"gender,notnull"`
	BirthDate       string `bun:"birth_date,notnull"` // YYYY-MM-DD
	Email           string `bun:"email,notnull"`
	Phone           string `bun:"phone,notnull"`
	Street          string `bun:"street,notnull"`
	Postcode        string `bun:"postcode,notnull"`
	City            string `bun:"city,notnull"`
	Country         string `bun:"country,notnull"`
	Department      string `bun:"department,notnull"`
	Location        string `bun:"location,notnull"`
	CostCentre      string `bun:"cost_centre,notnull"` // or purchase order number, for the invoice
	Notes           string `bun:"notes,notnull"`

	// GivenKey and FamilyKey are the names folded for search (lower case,
	// no accents, letters and digits only), indexed per organisation.
	GivenKey  string `bun:"given_key,notnull"`
	FamilyKey string `bun:"family_key,notnull"`

	RegisteredBy int64     `bun:"registered_by,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

// Name is the person's full name: "Daisy van der Smit".
func (d *Dossier) Name() string {
	return strings.Join(strings.Fields(d.GivenName+" "+d.NamePrefix+" "+d.FamilyName), " ")
}

// Initials for a photo placeholder: "DS".
func (d *Dossier) Monogram() string {
	var out []rune
	for _, part := range []string{d.GivenName, d.FamilyName} {
		if r := []rune(strings.TrimSpace(part)); len(r) > 0 {
			out = append(out, r[0])
		}
	}
	return strings.ToUpper(string(out))
}

// Errors the pages turn into answers.
var (
	// ErrNotFound is a dossier that does not exist or that the person may not
	// open: the two are never told apart.
	ErrNotFound = refusal.New(refusal.NotFound, "dossier: not found", "")
	// ErrForbidden is a dossier the person may open but not change this way.
	ErrForbidden = refusal.New(refusal.Forbidden, "dossier: not allowed", "")
)

// Invalid names refused fields with message ids.
type Invalid = refusal.Fields

// Notifier reaches people for the dossier's work; the core's notify
// package is one. It runs in the transaction ctx carries.
type Notifier interface {
	// InvitePerson makes an account for a dossier's person in the
	// dossier's organisation and mails the invitation; it returns the
	// account's id, or nil when an account of the address was asked to
	// join: the dossier becomes theirs when they accept (LinkPerson).
	InvitePerson(ctx context.Context, actorID int64, d *Dossier, ip string) (*int64, error)
	// InviteGuest gives an address without an account one that belongs to
	// no organisation and mails the invitation in the dossier
	// organisation's name; it returns the account's id.
	InviteGuest(ctx context.Context, actorID int64, d *Dossier, email, ip string) (int64, error)
	// Notify leaves a person a notice (and a mail when they want one) that
	// links to a page; it never carries content.
	Notify(ctx context.Context, orgID, userID int64, module, message, link string) error
}

// Emitter writes what happened to the event log, in the transaction of
// the change (events.Log).
type Emitter interface {
	Emit(ctx context.Context, orgID, actor int64, source, name string, payload []byte) error
}

// Service keeps dossiers.
type Service struct {
	db     *store.DB
	notify Notifier
	events Emitter
	// Now is the clock; tests move it.
	Now func() time.Time
}

// NewService returns the dossier service; notify reaches people (nil: no
// invitations, notices or mails, for tools and tests of the rules alone)
// and events tells modules what happened (nil: nobody).
func NewService(db *store.DB, notify Notifier, events Emitter) *Service {
	return &Service{db: db, notify: notify, events: events, Now: time.Now}
}

// emit tells modules what happened to a dossier (docs/plugins.md lists the
// events and their payloads), in the change's transaction.
func (s *Service) emit(ctx context.Context, who Who, d *Dossier, name string, trajectoryID int64) error {
	if s.events == nil {
		return nil
	}
	payload, err := json.Marshal(struct {
		DossierID    int64  `json:"dossier_id"`
		PersonID     *int64 `json:"person_id,omitempty"`
		CoachID      *int64 `json:"coach_id,omitempty"`
		TrajectoryID int64  `json:"trajectory_id,omitempty"`
	}{d.ID, d.UserID, d.CoachID, trajectoryID})
	if err != nil {
		return err
	}
	return s.events.Emit(ctx, d.OrganisationID, who.UserID, "core", name, payload)
}

// get reads a dossier by id, whatever the organisation; callers check access.
func get(ctx context.Context, db bun.IDB, id int64) (*Dossier, error) {
	d := new(Dossier)
	err := db.NewSelect().Model(d).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return d, err
}

// fullName is the SQL for a person's full name from a table with given_name,
// name_prefix and family_name (dossiers and users both have them), without
// the double space an empty prefix would leave.
func fullName(alias string) string {
	a := alias + "."
	return "(" + a + "given_name || ' ' || CASE WHEN " + a + "name_prefix = '' THEN '' ELSE " + a + "name_prefix || ' ' END || " + a + "family_name)"
}

// LinkPerson gives the person who just joined an organisation the dossiers
// it registered for their address and started a trajectory in, within the
// joining transaction: until then the dossier was no account's, and the
// account saw nothing of it (nor the organisation anything of the account).
func LinkPerson(ctx context.Context, tx bun.IDB, orgID, userID int64, email string) error {
	_, err := tx.NewRaw(`UPDATE dossiers SET user_id = ? WHERE organisation_id = ? AND user_id IS NULL AND LOWER(email) = ?
		AND EXISTS (SELECT 1 FROM trajectories AS t WHERE t.dossier_id = dossiers.id)`, userID, orgID, strings.ToLower(email)).Exec(ctx)
	return err
}
