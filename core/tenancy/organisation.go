// Package tenancy owns organisations: subscribers and their daughter
// organisations as a tree, the people who belong to each with their roles,
// subscriptions (which modules an organisation may use and how many people),
// the modules an organisation has switched on, and its own words (terms).
package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Organisation states.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Organisation is a subscriber (no parent) or a daughter organisation, such as
// a location, a department or a partner practice.
type Organisation struct {
	bun.BaseModel `bun:"table:organisations"`

	ID            int64     `bun:"id,pk,autoincrement"`
	ParentID      *int64    `bun:"parent_id"`
	Slug          string    `bun:"slug,notnull,unique"`
	Name          string    `bun:"name,notnull"`
	Status        string    `bun:"status,notnull"`
	Locale        string    `bun:"locale,notnull"`
	TimeZone      string    `bun:"time_zone,notnull"`
	Street        string    `bun:"street,notnull"`
	Postcode      string    `bun:"postcode,notnull"`
	City          string    `bun:"city,notnull"`
	Country       string    `bun:"country,notnull"`
	Phone         string    `bun:"phone,notnull"`
	Email         string    `bun:"email,notnull"`
	Website       string    `bun:"website,notnull"`
	Domain        string    `bun:"domain,notnull"`       // the portal's own address, such as portal.northcare.nl ("" for none); only the operator sets it (SetDomain)
	DomainAsked   string    `bun:"domain_asked,notnull"` // an address its administrator entered when they still could: a request to the operator, never used
	MainContactID *int64    `bun:"main_contact_id"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
}

// Subscriber tells whether the organisation is a subscriber (the top of a tree).
func (o *Organisation) Subscriber() bool { return o.ParentID == nil }

// Active tells whether the organisation is in use (not suspended).
func (o *Organisation) Active() bool { return o.Status == StatusActive }

// ErrNotFound is returned when no organisation matches.
var ErrNotFound = refusal.New(refusal.NotFound, "tenancy: organisation not found", "")

// ErrCircular refuses a move that would make an organisation its own daughter.
var ErrCircular = refusal.New(refusal.Invalid, "tenancy: an organisation under itself", "tenancy.error.circular").On("parent")

// Invalid lists refused fields with the message id that explains each.
type Invalid = refusal.Fields

// Service reads and writes organisations.
type Service struct {
	db     *store.DB
	rights *access.Service
	joined Joined
}

// Joined runs when someone accepts an organisation's invitation, in the
// same transaction, with the address it was sent to: what the organisation
// kept for them (a dossier registered for the address) becomes theirs.
type Joined func(ctx context.Context, tx bun.IDB, orgID, userID int64, email string) error

// NewService returns a Service on db; rights tells which roles someone may
// give; joined may be nil.
func NewService(db *store.DB, rights *access.Service, joined Joined) *Service {
	return &Service{db: db, rights: rights, joined: joined}
}

// BySlug finds an organisation by its slug.
func (s *Service) BySlug(ctx context.Context, slug string) (*Organisation, error) {
	return s.find(ctx, s.db, "slug = ?", slug)
}

// ByID finds an organisation.
func (s *Service) ByID(ctx context.Context, id int64) (*Organisation, error) {
	return s.find(ctx, s.db, "id = ?", id)
}

func (s *Service) find(ctx context.Context, db bun.IDB, where string, arg any) (*Organisation, error) {
	org := new(Organisation)
	err := db.NewSelect().Model(org).Where(where, arg).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tenancy: organisation: %w", err)
	}
	return org, nil
}

// First returns the oldest subscriber: the one a single-organisation
// installation shows to visitors.
func (s *Service) First(ctx context.Context) (*Organisation, error) {
	org := new(Organisation)
	err := s.db.NewSelect().Model(org).Where("parent_id IS NULL").Order("id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tenancy: first organisation: %w", err)
	}
	return org, nil
}

// Ensure creates the organisation with org's slug unless it exists, and returns
// the stored one and whether it was created. Concurrent calls create one row.
func (s *Service) Ensure(ctx context.Context, org Organisation) (*Organisation, bool, error) {
	if org.CreatedAt.IsZero() {
		org.CreatedAt = time.Now().UTC()
	}
	if org.Status == "" {
		org.Status = StatusActive
	}
	res, err := s.db.NewInsert().Model(&org).On("CONFLICT (slug) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("tenancy: create organisation %q: %w", org.Slug, err)
	}
	n, _ := res.RowsAffected()
	stored, err := s.BySlug(ctx, org.Slug)
	return stored, n == 1, err
}

// Details is what an administrator edits about an organisation. The portal
// address is not among them: it is the operator's (SetDomain).
type Details struct {
	Name, Locale, TimeZone, Street, Postcode, City, Country, Phone, Email, Website string
}

// check validates details; locales lists the shipped languages.
func (d *Details) check(locales []string) *Invalid {
	inv := &Invalid{}
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		inv.Add("name", "form.required")
	} else if len([]rune(d.Name)) > 120 {
		inv.Add("name", "form.too_long")
	}
	for field, f := range map[string]struct {
		value string
		max   int
	}{"street": {d.Street, 200}, "postcode": {d.Postcode, 20}, "city": {d.City, 100}, "country": {d.Country, 100},
		"phone": {d.Phone, 40}, "email": {d.Email, 254}, "website": {d.Website, 300}} {
		if len([]rune(f.value)) > f.max {
			inv.Add(field, "form.too_long")
		}
	}
	known := false
	for _, l := range locales {
		known = known || l == d.Locale
	}
	if !known {
		inv.Add("locale", "form.choose")
	}
	if _, err := time.LoadLocation(d.TimeZone); err != nil || d.TimeZone == "" {
		inv.Add("time_zone", "form.time_zone")
	}
	if d.Email != "" && !strings.Contains(d.Email, "@") {
		inv.Add("email", "form.email")
	}
	if d.Website != "" && !strings.HasPrefix(d.Website, "https://") && !strings.HasPrefix(d.Website, "http://") {
		inv.Add("website", "form.url")
	}
	return inv
}

func (d Details) apply(o *Organisation) {
	o.Name, o.Locale, o.TimeZone = d.Name, d.Locale, d.TimeZone
	o.Street, o.Postcode, o.City, o.Country = strings.TrimSpace(d.Street), strings.TrimSpace(d.Postcode), strings.TrimSpace(d.City), strings.TrimSpace(d.Country)
	o.Phone, o.Email, o.Website = strings.TrimSpace(d.Phone), strings.TrimSpace(d.Email), strings.TrimSpace(d.Website)
}

// CreateSubscriber makes a new subscriber organisation.
func (s *Service) CreateSubscriber(ctx context.Context, d Details, locales []string) (*Organisation, error) {
	var org *Organisation
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		var err error
		org, err = s.create(ctx, tx, nil, d, locales)
		return err
	})
	return org, err
}

// CreateDaughter makes a daughter organisation under parent; it starts with
// the parent's modules on.
func (s *Service) CreateDaughter(ctx context.Context, parent *Organisation, d Details, locales []string) (*Organisation, error) {
	on, err := s.Modules(ctx, parent.ID)
	if err != nil {
		return nil, err
	}
	var org *Organisation
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if org, err = s.create(ctx, tx, parent, d, locales); err != nil {
			return err
		}
		for _, m := range on {
			if _, err := tx.NewInsert().Model(&switchRow{OrganisationID: org.ID, Module: m}).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return org, err
}

func (s *Service) create(ctx context.Context, db bun.IDB, parent *Organisation, d Details, locales []string) (*Organisation, error) {
	if inv := d.check(locales); inv.OrNil() != nil {
		return nil, inv
	}
	org := &Organisation{Status: StatusActive, CreatedAt: time.Now().UTC(), Slug: s.freeSlug(ctx, db, d.Name)}
	d.apply(org)
	if parent != nil {
		org.ParentID = &parent.ID
	}
	if _, err := db.NewInsert().Model(org).Exec(ctx); err != nil {
		return nil, fmt.Errorf("tenancy: create organisation: %w", err)
	}
	return org, nil
}

// SetMainContact names the organisation's main contact.
func (s *Service) SetMainContact(ctx context.Context, orgID, userID int64) error {
	_, err := s.db.NewUpdate().Model((*Organisation)(nil)).Set("main_contact_id = ?", userID).Where("id = ?", orgID).Exec(ctx)
	return err
}

// Delete removes an organisation nobody belongs to yet: the undo of a
// creation that could not be finished. Organisations with people are
// suspended, never deleted.
func (s *Service) Delete(ctx context.Context, orgID int64) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		n, err := tx.NewSelect().Model((*Member)(nil)).Where("organisation_id = ?", orgID).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("tenancy: organisation %d has members and is never deleted", orgID)
		}
		for _, table := range []string{"subscriptions", "organisation_modules", "organisation_terms"} {
			if _, err := tx.NewDelete().Table(table).Where("organisation_id = ?", orgID).Exec(ctx); err != nil {
				return err
			}
		}
		_, err = tx.NewDelete().Model((*Organisation)(nil)).Where("id = ?", orgID).Exec(ctx)
		return err
	})
}

// Update saves an organisation's details.
func (s *Service) Update(ctx context.Context, org *Organisation, d Details, locales []string) error {
	if inv := d.check(locales); inv.OrNil() != nil {
		return inv
	}
	d.apply(org)
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := tx.NewUpdate().Model(org).Column("name", "locale", "time_zone", "street", "postcode", "city", "country", "phone", "email", "website").WherePK().Exec(ctx); err != nil {
			return err
		}
		return audit.Note(ctx, tx, org.ID, "organisation.details_changed", 0, org.Name)
	})
}

var (
	slugSafe   = regexp.MustCompile(`[^a-z0-9]+`)
	domainName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$`)
)

// ByDomain finds the organisation whose portal address a request came to.
func (s *Service) ByDomain(ctx context.Context, domain string) (*Organisation, error) {
	if domain == "" {
		return nil, ErrNotFound
	}
	return s.find(ctx, s.db, "domain = ?", strings.ToLower(domain))
}

// freeSlug makes a short address name from a name, unique among organisations.
func (s *Service) freeSlug(ctx context.Context, db bun.IDB, name string) string {
	base := strings.Trim(slugSafe.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if base == "" {
		base = "organisation"
	}
	if len(base) > 40 {
		base = base[:40]
	}
	slug := base
	for i := 2; ; i++ {
		n, err := db.NewSelect().Model((*Organisation)(nil)).Where("slug = ?", slug).Count(ctx)
		if err != nil || n == 0 {
			return slug
		}
		slug = fmt.Sprintf("%s-%d", base, i)
	}
}
