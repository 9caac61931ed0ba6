// Package privacy owns a person's rights over their data: downloading all of
// it (a ZIP of JSON files and their photo) and being erased by an
// administrator, within the retention the installation must keep by law.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Service exports and erases people's data.
type Service struct {
	db *store.DB
	// Retention is how long after a person's last trajectory ended their
	// records must be kept (0: no such rule).
	Retention time.Duration
	deps      Deps
	// Now is the clock; tests move it.
	Now func() time.Time
}

// Deps reach what the core keeps apart from its tables: each is optional.
type Deps struct {
	// Modules give their parts of an export and erase theirs.
	Modules Modules
	// Files holds the files people uploaded, which their export includes.
	Files *files.Service
	// Emit tells modules that someone was erased (person.erased).
	Emit func(ctx context.Context, orgID, actor int64, source, name string, payload []byte) error
}

// Modules are the plugins' parts of a person's data.
type Modules interface {
	// ExportParts gives each module's files about the person in each of
	// the organisations, or fails naming the module that did not answer.
	ExportParts(ctx context.Context, personID int64, orgs []int64) ([]ModulePart, error)
	// ErasePerson has each module erase, or anonymise where the retention
	// keeps its records, what it keeps about the person there.
	ErasePerson(ctx context.Context, personID int64, orgs []int64, retention time.Duration) error
}

// ModulePart is one module's part of an export in one organisation.
type ModulePart struct {
	Module         string
	OrganisationID int64
	Files          []ModuleFile
}

// ModuleFile is one file of a module's part, kept in a temporary file
// until the export is written.
type ModuleFile struct {
	Name string
	Path string
}

// Close removes the part's temporary files.
func (p ModulePart) Close() {
	for _, f := range p.Files {
		_ = os.Remove(f.Path)
	}
}

// ModuleFailed is a module that did not give or erase its part, after
// tries: the export is not given, the core erases nothing.
type ModuleFailed struct {
	Module string
	Err    error
}

func (e *ModuleFailed) Error() string {
	return fmt.Sprintf("privacy: the %s module did not answer: %v", e.Module, e.Err)
}

func (e *ModuleFailed) Unwrap() error { return e.Err }

// NewService returns the privacy service.
func NewService(db *store.DB, retention time.Duration, deps Deps) *Service {
	return &Service{db: db, Retention: retention, deps: deps, Now: time.Now}
}

// organisations are those a person is a member of.
func (s *Service) organisations(ctx context.Context, userID int64) ([]int64, error) {
	var orgs []int64
	err := s.db.NewSelect().Table("members").Column("organisation_id").Where("user_id = ?", userID).Order("organisation_id").Scan(ctx, &orgs)
	return orgs, err
}

// ErrElsewhere refuses erasing someone who also belongs to another
// organisation: their account is not this organisation's alone.
var ErrElsewhere = errors.New("privacy: the person belongs to another organisation too")

// ErrNotMember is a person who is not a member of the organisation.
var ErrNotMember = refusal.New(refusal.NotFound, "privacy: not a member", "")

// Retained refuses erasing someone whose records the law still requires.
type Retained struct{ Until time.Time }

func (e *Retained) Error() string {
	return fmt.Sprintf("privacy: records are kept until %s", e.Until.Format(time.DateOnly))
}

// IsMember tells whether a person is a member of the organisation, so that
// an administrator's page never reveals anyone else.
func (s *Service) IsMember(ctx context.Context, orgID, userID int64) (bool, error) {
	return tenancy.IsMember(ctx, s.db, orgID, userID)
}
