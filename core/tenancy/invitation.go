package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Invitation asks the owner of an existing account to join an
// organisation. Until the owner accepts, they are no member: the
// organisation sees them as invited, with the address and the names it
// typed (never the account's own), and nothing it does reaches their
// account. It is bound to the address it was sent to: a new sign-in
// address ends it. An account made by the invitation itself needs none:
// choosing its first password is the owner's acceptance.
type Invitation struct {
	bun.BaseModel `bun:"table:member_invitations"`

	OrganisationID int64       `bun:"organisation_id,pk"`
	UserID         int64       `bun:"user_id,pk"`
	Role           access.Role `bun:"role,notnull"`
	Email          string      `bun:"email,notnull"`
	GivenName      string      `bun:"given_name,notnull"`
	NamePrefix     string      `bun:"name_prefix,notnull"`
	FamilyName     string      `bun:"family_name,notnull"`
	InvitedBy      *int64      `bun:"invited_by"`
	CreatedAt      time.Time   `bun:"created_at,notnull"`
}

// InvitationView is an invitation with the names a page shows.
type InvitationView struct {
	Invitation   `bun:",extend"`
	Organisation string `bun:"organisation"`
	RoleName     string `bun:"role_name"` // a custom role's name; built-in roles are translated
}

// ErrAlreadyInvited refuses a second invitation to the same organisation.
var ErrAlreadyInvited = refusal.New(refusal.Conflict, "tenancy: already invited", "people.invite.already_invited")

// ErrNoInvitation is an invitation that is not (or no longer) there.
var ErrNoInvitation = refusal.New(refusal.NotFound, "tenancy: no such invitation", "")

// Invite records an invitation within the caller's transaction.
func Invite(ctx context.Context, db bun.IDB, inv *Invitation) error {
	res, err := db.NewInsert().Model(inv).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrAlreadyInvited
	}
	return nil
}

// InvitationsOf lists the invitations waiting for a person's answer.
func (s *Service) InvitationsOf(ctx context.Context, userID int64) ([]InvitationView, error) {
	return s.invitations(ctx, "i.user_id = ?", userID)
}

// InvitationsIn lists the invitations of organisations that wait for an answer.
func (s *Service) InvitationsIn(ctx context.Context, orgIDs []int64) ([]InvitationView, error) {
	return s.invitations(ctx, "i.organisation_id IN (?)", bun.List(orgIDs))
}

func (s *Service) invitations(ctx context.Context, where string, arg any) ([]InvitationView, error) {
	list := []InvitationView{}
	err := s.db.NewSelect().Model(&list).ModelTableExpr("member_invitations AS i").ColumnExpr("i.*").
		ColumnExpr("o.name AS organisation, COALESCE(r.name, '') AS role_name").
		Join("JOIN organisations AS o ON o.id = i.organisation_id").
		Join("LEFT JOIN roles AS r ON i.role = 'custom:' || CAST(r.id AS TEXT)").
		Where(where, arg).Order("i.created_at").Scan(ctx)
	return list, err
}

// InvitationTo finds an organisation's invitation by the address it was
// sent to: pages name invitations so, never by the account behind them.
func (s *Service) InvitationTo(ctx context.Context, orgID int64, email string) (*Invitation, error) {
	inv := new(Invitation)
	err := s.db.NewSelect().Model(inv).Where("organisation_id = ? AND email = ?", orgID, email).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoInvitation
	}
	return inv, err
}

// Asked tells whether the organisation asked the person to join and waits
// for the answer, within the transaction ctx carries.
func (s *Service) Asked(ctx context.Context, orgID, userID int64) (bool, error) {
	return s.db.In(ctx).NewSelect().Model((*Invitation)(nil)).Where("organisation_id = ? AND user_id = ?", orgID, userID).Exists(ctx)
}

// PendingInvitations counts a person's invitations, for the navigation.
func (s *Service) PendingInvitations(ctx context.Context, userID int64) (int, error) {
	n, err := s.db.NewSelect().Model((*Invitation)(nil)).Where("user_id = ?", userID).Count(ctx)
	return int(n), err
}

// AcceptInvitation makes the person a member with the invited role, within
// the subscription's room. The invitation is used up.
func (s *Service) AcceptInvitation(ctx context.Context, userID, orgID int64) (*Invitation, error) {
	var inv *Invitation
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		var err error
		if inv, err = s.AcceptIn(ctx, userID, orgID); err != nil {
			return err
		}
		return audit.Note(ctx, tx, orgID, "identity.invitation_accepted", userID, string(inv.Role))
	})
	return inv, err
}

// AcceptIn is AcceptInvitation within the caller's transaction (the owner
// setting up the account through the organisation's invitation link).
// What the organisation kept for the person (joined: a dossier registered
// for the address) becomes theirs in the same transaction.
func (s *Service) AcceptIn(ctx context.Context, userID, orgID int64) (*Invitation, error) {
	tx := s.db.In(ctx)
	if err := store.HoldRow(ctx, tx, "users", userID); err != nil { // in turn with the account's other changes
		return nil, err
	}
	inv := new(Invitation)
	// Before anything is written: on a full subscription the caller's
	// transaction goes on (ErrBusy ends it). Someone already counted in the
	// tree takes no second place.
	if err := s.checkRoom(ctx, tx, orgID, userID); err != nil {
		return nil, err
	}
	if err := take(ctx, tx, inv, orgID, userID); err != nil {
		return nil, err
	}
	if err := AddMember(ctx, tx, orgID, userID, inv.Role); err != nil {
		return nil, err
	}
	if s.joined != nil {
		if err := s.joined(ctx, tx, orgID, userID, inv.Email); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

// DropInvitations ends every invitation of an account, within the caller's
// transaction: they went to an address that is no longer its own.
func DropInvitations(ctx context.Context, db bun.IDB, userID int64) error {
	_, err := db.NewDelete().Model((*Invitation)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// DeclineInvitation is the person's no; WithdrawInvitation the
// organisation's. Either way the invitation is gone.
func (s *Service) DeclineInvitation(ctx context.Context, userID, orgID int64) (*Invitation, error) {
	inv := new(Invitation)
	return inv, s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := take(ctx, tx, inv, orgID, userID); err != nil {
			return err
		}
		return audit.NoteUnnamed(ctx, tx, orgID, "identity.invitation_declined", inv.Email)
	})
}

// WithdrawIn takes back an invitation the person has not answered, within
// the caller's transaction (identity also ends the link it mailed).
func WithdrawIn(ctx context.Context, tx bun.IDB, orgID, userID int64) error {
	return take(ctx, tx, new(Invitation), orgID, userID)
}

// take deletes an invitation, reading it into inv; of two answers at once
// one finds it.
func take(ctx context.Context, db bun.IDB, inv *Invitation, orgID, userID int64) error {
	err := db.NewSelect().Model(inv).Where("organisation_id = ? AND user_id = ?", orgID, userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoInvitation
	}
	if err != nil {
		return err
	}
	res, err := db.NewDelete().Model((*Invitation)(nil)).Where("organisation_id = ? AND user_id = ?", orgID, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNoInvitation
	}
	return nil
}

func invitationMigration() store.Migration {
	type invitation struct {
		bun.BaseModel  `bun:"table:member_invitations"`
		OrganisationID int64     `bun:"organisation_id,pk"`
		UserID         int64     `bun:"user_id,pk"`
		Role           string    `bun:"role,notnull"`
		Email          string    `bun:"email,notnull"`
		GivenName      string    `bun:"given_name,notnull"`
		NamePrefix     string    `bun:"name_prefix,notnull"`
		FamilyName     string    `bun:"family_name,notnull"`
		InvitedBy      *int64    `bun:"invited_by"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	return store.Migration{
		Name: "20261207100000_member_invitations",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*invitation)(nil)).
				ForeignKey("(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE").
				ForeignKey("(user_id) REFERENCES users (id) ON DELETE CASCADE").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*invitation)(nil)).Index("member_invitations_user").Column("user_id").Exec(ctx)
			return err
		},
		Down: store.DropTables((*invitation)(nil)),
	}
}

// askInvitedMigration: nobody is a member without their own yes. People
// invited before and not set up yet become invitations of the organisations
// they were members of, with the role they had (the first, for several),
// and the open link of their invitation belongs to it.
func askInvitedMigration() store.Migration {
	return store.Migration{
		Name: "20261207120000_invited_members_are_asked",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, q := range []string{
				`INSERT INTO member_invitations (organisation_id, user_id, role, email, given_name, name_prefix, family_name, created_at)
				SELECT m.organisation_id, m.user_id,
					COALESCE((SELECT MIN(r.role) FROM member_roles r WHERE r.organisation_id = m.organisation_id AND r.user_id = m.user_id), 'coachee'),
					u.email, u.given_name, u.name_prefix, u.family_name, m.created_at
				FROM members m JOIN users u ON u.id = m.user_id WHERE u.status = 'invited'`,
				`DELETE FROM member_roles WHERE user_id IN (SELECT id FROM users WHERE status = 'invited')`,
				`DELETE FROM members WHERE user_id IN (SELECT id FROM users WHERE status = 'invited')`,
				`UPDATE user_tokens SET organisation_id = (SELECT MIN(i.organisation_id) FROM member_invitations i WHERE i.user_id = user_tokens.user_id)
				WHERE purpose = 'invitation' AND organisation_id = 0 AND used_at IS NULL
				AND EXISTS (SELECT 1 FROM member_invitations i WHERE i.user_id = user_tokens.user_id)`,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		},
		// The invitations stay: a membership without its owner's yes is not
		// made again.
		Down: func(context.Context, bun.Tx) error { return nil },
	}
}
