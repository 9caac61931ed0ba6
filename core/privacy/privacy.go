// Package privacy owns a person's rights over their data: downloading all of
// it (a ZIP of JSON files and their photo) and being erased by an
// administrator, within the retention the installation must keep by law.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	// Now is the clock; tests move it.
	Now func() time.Time
}

// NewService returns the privacy service.
func NewService(db *store.DB, retention time.Duration) *Service {
	return &Service{db: db, Retention: retention, Now: time.Now}
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
