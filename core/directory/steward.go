package directory

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/refusal"
)

// ErrNotSteward refuses an action on a whole account (its sign-in address,
// name, second factor, lockout, erasure) to administrators the account is
// not theirs alone to look after: it also belongs to another subscriber,
// or is the platform operator's. What an administrator does to the
// membership (roles, web access, deactivation) is unaffected.
var ErrNotSteward = refusal.New(refusal.Forbidden, "directory: not the account's steward", "people.person.not_steward_refused")

// Steward tells whether the administrators of an organisation look after a
// person's whole account: every organisation the account is a member of,
// has a dossier of its own in, or has a dossier shared from lies in that
// organisation's subtree, and it is no platform operator's. An invitation
// not answered is a question, not a belonging: it does not count (an
// address change ends it). A tenant's administrator is
// not trusted with another tenant's people, so an account two subscribers
// share is looked after by neither (the operator can, audited), and an
// administrator of a daughter does not look after someone who also
// belongs to the parent. db is the database or the action's transaction.
func Steward(ctx context.Context, db bun.IDB, orgID, userID int64) (bool, error) {
	var operator bool
	if err := db.NewSelect().Table("users").Column("operator").Where("id = ?", userID).Scan(ctx, &operator); err != nil {
		return false, err
	}
	if operator {
		return false, nil
	}
	// Every organisation the account reaches, less those in the subtree.
	var outside int
	err := db.NewRaw(`WITH RECURSIVE tree(id) AS (
			SELECT id FROM organisations WHERE id = ?
			UNION ALL SELECT o.id FROM organisations o JOIN tree t ON o.parent_id = t.id)
		SELECT COUNT(*) FROM (
			SELECT organisation_id FROM members WHERE user_id = ?
			UNION SELECT organisation_id FROM dossiers WHERE user_id = ?
			UNION SELECT organisation_id FROM dossier_shares WHERE user_id = ?
		) AS reach WHERE organisation_id NOT IN (SELECT id FROM tree)`, orgID, userID, userID, userID).Scan(ctx, &outside)
	return outside == 0, err
}

// Steward is the function Steward on the database.
func (s *Service) Steward(ctx context.Context, orgID, userID int64) (bool, error) {
	return Steward(ctx, s.db, orgID, userID)
}
