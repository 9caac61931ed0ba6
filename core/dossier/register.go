package dossier

import (
	"context"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
)

// Details are the person's details as the registration form asks them.
type Details struct {
	PersonnelNumber, FamilyName, NamePrefix, GivenName, Initials, Gender, BirthDate string
	Email, Phone, Street, Postcode, City, Country                                   string
	Department, Location, CostCentre, Notes                                         string
}

// Genders offered on the form.
var Genders = []string{"female", "male", "x", "unknown"}

// Required lists the fields the registration form marks as required.
var Required = []string{"family_name", "given_name", "initials", "gender", "birth_date", "email"}

// check trims the details and refuses what cannot be kept.
func (in *Details) check(now time.Time) error {
	inv := &Invalid{}
	fields := map[string]*string{
		"personnel_number": &in.PersonnelNumber, "family_name": &in.FamilyName, "name_prefix": &in.NamePrefix,
		"given_name": &in.GivenName, "initials": &in.Initials, "gender": &in.Gender, "birth_date": &in.BirthDate,
		"email": &in.Email, "phone": &in.Phone, "street": &in.Street, "postcode": &in.Postcode, "city": &in.City,
		"country": &in.Country, "department": &in.Department, "location": &in.Location, "cost_centre": &in.CostCentre,
	}
	for name, v := range fields {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > 200 {
			inv.Add(name, "form.too_long")
		}
	}
	in.Notes = strings.TrimSpace(in.Notes)
	if utf8.RuneCountInString(in.Notes) > 5000 {
		inv.Add("notes", "form.too_long")
	}
	for _, name := range Required {
		if *fields[name] == "" {
			inv.Add(name, "form.required")
		}
	}
	if in.FamilyName != "" && searchKey(in.FamilyName) == "" {
		inv.Add("family_name", "dossier.error.name_letters")
	}
	if in.GivenName != "" && searchKey(in.GivenName) == "" {
		inv.Add("given_name", "dossier.error.name_letters")
	}
	if in.Gender != "" && !slices.Contains(Genders, in.Gender) {
		inv.Add("gender", "form.choose")
	}
	if in.BirthDate != "" {
		born, err := time.Parse(time.DateOnly, in.BirthDate)
		if err != nil || born.After(now) || born.Year() < 1900 {
			inv.Add("birth_date", "dossier.error.birth_date")
		}
	}
	if in.Email != "" {
		a, err := mail.ParseAddress(in.Email)
		if err != nil || a.Address != in.Email || !strings.Contains(a.Address, ".") {
			inv.Add("email", "form.email")
		}
		in.Email = strings.ToLower(in.Email)
	}
	return inv.OrNil()
}

// apply copies the details onto the dossier, with the search keys.
func (in Details) apply(d *Dossier) {
	d.PersonnelNumber, d.FamilyName, d.NamePrefix, d.GivenName = in.PersonnelNumber, in.FamilyName, in.NamePrefix, in.GivenName
	d.Initials, d.Gender, d.BirthDate, d.Email, d.Phone = in.Initials, in.Gender, in.BirthDate, in.Email, in.Phone
	d.Street, d.Postcode, d.City, d.Country = in.Street, in.Postcode, in.City, in.Country
	d.Department, d.Location, d.CostCentre, d.Notes = in.Department, in.Location, in.CostCentre, in.Notes
	d.GivenKey, d.FamilyKey = searchKey(in.GivenName), searchKey(in.FamilyName)
}

// Dossier is the registered dossier the details make in an organisation,
// its search keys folded; Register checks the details first and stores it.
func (in Details) Dossier(orgID, registeredBy int64, now time.Time) *Dossier {
	d := &Dossier{OrganisationID: orgID, Status: StatusRegistered, RegisteredBy: registeredBy, CreatedAt: now, UpdatedAt: now}
	in.apply(d)
	return d
}

// DetailsOf is what the edit form starts from.
func DetailsOf(d *Dossier) Details {
	return Details{d.PersonnelNumber, d.FamilyName, d.NamePrefix, d.GivenName, d.Initials, d.Gender, d.BirthDate,
		d.Email, d.Phone, d.Street, d.Postcode, d.City, d.Country, d.Department, d.Location, d.CostCentre, d.Notes}
}

// Register opens a dossier for a person in who's organisation. Registering
// invites nobody yet: the person is invited when a trajectory starts.
func (s *Service) Register(ctx context.Context, who Who, in Details, ip string) (*Dossier, error) {
	if err := in.check(s.Now()); err != nil {
		return nil, err
	}
	d := in.Dossier(who.OrgID, who.UserID, s.Now().UTC())
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		taken, err := tx.NewSelect().Model((*Dossier)(nil)).Where("organisation_id = ? AND email = ?", who.OrgID, d.Email).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			return &Invalid{Fields: map[string]string{"email": "dossier.error.email_taken"}}
		}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, who, d, "dossier.registered", ip, ""); err != nil {
			return err
		}
		return s.emit(ctx, who, d, "dossier.registered", 0)
	})
	return d, err
}

// Update changes a dossier's details; it needs Edit.
func (s *Service) Update(ctx context.Context, who Who, id int64, in Details, ip string) (*Dossier, error) {
	if err := in.check(s.Now()); err != nil {
		return nil, err
	}
	var d *Dossier
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		var err error
		if d, err = openIn(ctx, tx, who, id, Edit); err != nil {
			return err
		}
		taken, err := tx.NewSelect().Model((*Dossier)(nil)).Where("organisation_id = ? AND email = ? AND id <> ?", d.OrganisationID, in.Email, d.ID).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			return &Invalid{Fields: map[string]string{"email": "dossier.error.email_taken"}}
		}
		in.apply(d)
		d.UpdatedAt = s.Now().UTC()
		if _, err := tx.NewUpdate().Model(d).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, who, d, "dossier.details_changed", ip, ""); err != nil {
			return err
		}
		return s.emit(ctx, who, d, "dossier.details_changed", 0)
	})
	return d, err
}

// openIn reads a dossier inside a transaction and refuses it below need.
func openIn(ctx context.Context, tx bun.IDB, who Who, id int64, need Level) (*Dossier, error) {
	d, err := get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	level, err := LevelOf(ctx, tx, who, d)
	switch {
	case err != nil:
		return nil, err
	case level == None:
		return nil, ErrNotFound
	case level < need:
		return nil, ErrForbidden
	}
	return d, nil
}

// record writes an audit entry about a dossier in its organisation; the
// subject is the dossier's person when they have an account.
func record(ctx context.Context, db bun.IDB, who Who, d *Dossier, action, ip, detail string) error {
	org, actor := d.OrganisationID, who.UserID
	if detail == "" {
		detail = "dossier " + strconv.FormatInt(d.ID, 10)
	} else {
		detail = "dossier " + strconv.FormatInt(d.ID, 10) + ": " + detail
	}
	return audit.Record(ctx, db, audit.Event{OrganisationID: &org, ActorID: &actor, SubjectID: d.UserID, Action: action, IP: ip, Detail: detail})
}
