package dossier

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
)

// Level is how far a person may go in a dossier. Each level includes the
// ones below it.
type Level int

// The levels, from none to manage.
const (
	None       Level = iota
	View             // read everything in the dossier
	Contribute       // add items, never change others'
	Edit             // change items and details
	Manage           // share the dossier further, change who coaches
)

// Levels that can be granted by a share, in the order they are offered.
var Levels = []Level{View, Contribute, Edit, Manage}

// String is the level's name in forms, messages and the audit log.
func (l Level) String() string {
	switch l {
	case View:
		return "view"
	case Contribute:
		return "contribute"
	case Edit:
		return "edit"
	case Manage:
		return "manage"
	}
	return "none"
}

// ParseLevel reads a level's name; None for anything else.
func ParseLevel(s string) Level {
	for _, l := range Levels {
		if l.String() == s {
			return l
		}
	}
	return None
}

// Who is the person asking, in the organisation they work in now.
type Who struct {
	UserID int64
	OrgID  int64 // 0 when the person belongs to no organisation (a share's recipient only)
	Can    access.Set
}

// levelWithin is what the person's place in the dossier's own organisation
// gives: the subject contributes to their own dossier, the responsible coach
// manages it, co-coaches edit, and permissions cover the rest.
func levelWithin(ctx context.Context, db bun.IDB, who Who, d *Dossier) (Level, error) {
	if d.OrganisationID != who.OrgID {
		return None, nil
	}
	switch {
	case who.Can.Has(access.DossiersManage):
		return Manage, nil
	case d.CoachID != nil && *d.CoachID == who.UserID:
		return Manage, nil
	}
	level := None
	co, err := db.NewSelect().Table("dossier_coaches").Where("dossier_id = ? AND user_id = ?", d.ID, who.UserID).Exists(ctx)
	if err != nil {
		return None, err
	}
	if co {
		level = Edit
	}
	if level < Contribute && d.UserID != nil && *d.UserID == who.UserID {
		level = Contribute
	}
	if level < View && who.Can.Has(access.DossiersViewAll) {
		level = View
	}
	return level, nil
}

// LevelOf is how far who may go in the dossier: the best of their place in
// its organisation and a share to them.
func LevelOf(ctx context.Context, db bun.IDB, who Who, d *Dossier) (Level, error) {
	level, err := levelWithin(ctx, db, who, d)
	if err != nil || level == Manage {
		return level, err
	}
	shared, err := shareLevel(ctx, db, d.ID, who.UserID)
	if err != nil {
		return None, err
	}
	return max(level, shared), nil
}

// Open reads a dossier for who with the level they hold in it. A dossier
// they may not see is ErrNotFound, exactly as one that does not exist.
func (s *Service) Open(ctx context.Context, who Who, id int64) (*Dossier, Level, error) {
	d, err := get(ctx, s.db, id)
	if err != nil {
		return nil, None, err
	}
	level, err := LevelOf(ctx, s.db, who, d)
	if err != nil {
		return nil, None, err
	}
	if level == None {
		return nil, None, ErrNotFound
	}
	return d, level, nil
}

// Viewed records that someone other than the dossier's subject opened it:
// every such view is in the audit log.
func (s *Service) Viewed(ctx context.Context, who Who, d *Dossier, ip string) error {
	if d.UserID != nil && *d.UserID == who.UserID {
		return nil
	}
	return record(ctx, s.db, who, d, "dossier.viewed", ip, "")
}
