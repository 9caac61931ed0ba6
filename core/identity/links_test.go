package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/identity"
)

// TestLinksAreBoundToTheirAddress: a link works only while the address it
// was mailed to is still the account's (for a new address: still the one
// waiting). The second hostile review raced an address change against a
// resend and against a confirmation on PostgreSQL, and used the link that
// slipped through to take another tenant's invitation. Here the outcome of
// each race is set up directly, so the check never depends on the race.
func TestLinksAreBoundToTheirAddress(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		moveTo := func(userID int64, column, email string) {
			t.Helper()
			if _, err := f.app.DB().NewUpdate().Table("users").Set("? = ?", bun.Ident(column), email).Where("id = ?", userID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// An invitation link mailed to one address, the account moved on.
		sam, link := f.invite(t, "sam@example.org")
		moveTo(sam.ID, "email", "victim@example.org")
		if _, _, err := f.ids.Invitation(ctx, link); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("an invitation link after the address moved: %v", err)
		}
		if _, err := f.ids.AcceptInvitation(ctx, link, goodPassword, goodPassword, true, "ip"); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("accepting through it: %v", err)
		}
		// A reset link likewise.
		if err := f.ids.RequestReset(ctx, "boss@example.org", "ip"); err != nil {
			t.Fatal(err)
		}
		reset := f.lastLink(t, "boss@example.org", "/reset/")
		moveTo(f.admin.ID, "email", "boss2@example.org")
		if _, err := f.ids.ResetPassword(ctx, reset, "Harbour-Tulip-55", "Harbour-Tulip-55", "ip"); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("a reset link after the address moved: %v", err)
		}
		// A confirmation link of one new address, while another waits.
		moveTo(f.admin.ID, "email", "boss@example.org")
		if err := f.ids.ChangeEmail(ctx, nil, f.org, f.admin.ID, "hop@example.org", "ip"); err != nil {
			t.Fatal(err)
		}
		hop := f.lastLink(t, "hop@example.org", "/address/")
		moveTo(f.admin.ID, "pending_email", "target@example.org")
		if _, err := f.ids.ConfirmEmail(ctx, hop, "ip"); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("confirming an address no longer waiting: %v", err)
		}
		if u, _ := f.ids.ByID(ctx, f.admin.ID); u.Email != "boss@example.org" {
			t.Fatalf("the address became %q", u.Email)
		}
	})
}
