package directory

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"
)

// Expecting names the organisation outside the account's memberships that
// waits for an account not set up yet, whose invitation the owner may ask
// for again (a forgotten-password request of an address still to be set
// up): the newest that asked it to join and waits for the answer, else the
// newest that shares a dossier with it. 0 when none does: an
// invitation withdrawn or a share ended leaves nothing to set up for, so
// asking again must not revive it. db is the database or the caller's
// transaction.
func Expecting(ctx context.Context, db bun.IDB, userID int64) (int64, error) {
	for _, q := range []string{
		`SELECT organisation_id FROM member_invitations WHERE user_id = ? ORDER BY created_at DESC LIMIT 1`,
		`SELECT organisation_id FROM dossier_shares WHERE user_id = ? ORDER BY created_at DESC LIMIT 1`,
	} {
		var orgID int64
		err := db.NewRaw(q, userID).Scan(ctx, &orgID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		return orgID, err
	}
	return 0, nil
}
