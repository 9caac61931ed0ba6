package privacy

import (
	"context"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/store"
)

// StatusErased is an erased account: no name, no address, no way to sign in.
const StatusErased = "erased"

// Erase removes a member's personal data at the request of an
// administrator of the organisation: their account keeps only an id (so
// that what others wrote still has an author), their dossiers keep only
// their trajectories' figures, and everything else about them goes. It is
// refused while the retention rule still keeps their records, and for an
// account the organisation does not look after alone (directory.Steward).
// Each module erases its part first (ModuleFailed when one does not: the
// core then erases nothing of its own, the modules that answered have
// erased theirs, and the erasure is to be asked again to finish); then the
// core's, in one transaction: erased entirely or not at all, and
// person.erased is emitted with it. The log records the start, each
// module's part and the end.
func (s *Service) Erase(ctx context.Context, orgID, actorID, userID int64, ip string) error {
	if s.deps.Modules != nil {
		// The start is kept, whatever comes of it: modules that erase
		// their part before one fails have erased it, and the log says so
		// (each module's part is recorded as it is done).
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			if err := s.mayErase(ctx, orgID, userID); err != nil {
				return err
			}
			return audit.Record(ctx, s.db.In(ctx), audit.Event{OrganisationID: &orgID, ActorID: &actorID, SubjectID: &userID, Action: "privacy.erase_started", IP: ip})
		})
		if err != nil {
			return err
		}
		orgs, err := s.organisations(ctx, userID)
		if err != nil {
			return err
		}
		if err := s.deps.Modules.ErasePerson(ctx, userID, orgs, s.Retention); err != nil {
			return err
		}
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := s.mayErase(ctx, orgID, userID); err != nil {
			return err
		}
		dossiers := tx.NewSelect().Table("dossiers").Column("id").Where("user_id = ?", userID)
		steps := []*bun.UpdateQuery{
			tx.NewUpdate().Table("users").Where("id = ?", userID).
				Set("email = ?, given_name = '', name_prefix = '', family_name = '', phone = ''", "erased-"+strconv.FormatInt(userID, 10)+"@erased.invalid").
				Set("status = ?, password_hash = '', totp_secret = '', totp_enabled = ?, photo = NULL, photo_type = ''", StatusErased, false),
			tx.NewUpdate().Table("dossiers").Where("user_id = ?", userID).
				Set("personnel_number = '', family_name = '', name_prefix = '', given_name = '', initials = '', gender = 'unknown', birth_date = ''").
				Set("email = '', phone = '', street = '', postcode = '', city = '', country = '', department = '', location = '', cost_centre = '', notes = ''").
				Set("given_key = '', family_key = '', status = 'closed'"),
			tx.NewUpdate().Table("dossier_tasks").Where("dossier_id IN (?)", dossiers).Set("note = '', comment = ''"),
			tx.NewUpdate().Table("members").Where("user_id = ?", userID).Set("active = ?, web_access = ?", false, false),
		}
		for _, q := range steps {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		gone := []*bun.DeleteQuery{
			tx.NewDelete().Table("sessions").Where("user_id = ?", userID),
			tx.NewDelete().Table("app_passwords").Where("user_id = ?", userID),
			tx.NewDelete().Table("feed_tokens").Where("user_id = ?", userID),
			tx.NewDelete().Table("backup_codes").Where("user_id = ?", userID),
			tx.NewDelete().Table("password_history").Where("user_id = ?", userID),
			tx.NewDelete().Table("user_tokens").Where("user_id = ?", userID),
			tx.NewDelete().Table("mail_preferences").Where("user_id = ?", userID),
			tx.NewDelete().Table("notices").Where("user_id = ?", userID),
			tx.NewDelete().Table("read_marks").Where("user_id = ?", userID),
			tx.NewDelete().Table("team_members").Where("user_id = ?", userID),
			tx.NewDelete().Table("dossier_shares").Where("user_id = ? OR dossier_id IN (?)", userID, dossiers),
			tx.NewDelete().Table("member_roles").Where("user_id = ?", userID),
			tx.NewDelete().Table("member_invitations").Where("user_id = ?", userID),
		}
		for _, q := range gone {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Event{OrganisationID: &orgID, ActorID: &actorID, SubjectID: &userID, Action: "privacy.erased", IP: ip}); err != nil {
			return err
		}
		if s.deps.Emit == nil {
			return nil
		}
		return s.deps.Emit(ctx, orgID, actorID, "core", "person.erased", []byte(`{"person_id":`+strconv.FormatInt(userID, 10)+`}`))
	})
}

// mayErase refuses, in ctx's transaction, erasing someone who is not a
// member of the organisation, whom it does not look after alone, or whose
// records the retention keeps. The account's row is held, so that no join
// or share elsewhere slips in before the erasure.
func (s *Service) mayErase(ctx context.Context, orgID, userID int64) error {
	tx := s.db.In(ctx)
	mine, err := tx.NewSelect().Table("members").Where("user_id = ? AND organisation_id = ?", userID, orgID).Exists(ctx)
	if err != nil {
		return err
	}
	if !mine {
		return ErrNotMember
	}
	// The account must be this organisation's alone to look after:
	// another subscriber's member, dossier or share keeps it.
	if err := store.HoldRow(ctx, tx, "users", userID); err != nil {
		return err
	}
	if ok, err := directory.Steward(ctx, tx, orgID, userID); err != nil {
		return err
	} else if !ok {
		return ErrElsewhere
	}
	return s.checkRetention(ctx, tx, userID)
}

// checkRetention refuses while the person's last trajectory ended within
// the retention period (or has not ended).
func (s *Service) checkRetention(ctx context.Context, tx bun.IDB, userID int64) error {
	if s.Retention <= 0 {
		return nil
	}
	var rows []struct {
		EndDate string `bun:"end_date"`
		Status  string `bun:"status"`
	}
	err := tx.NewSelect().Table("trajectories").Column("end_date", "status").
		Where("dossier_id IN (SELECT id FROM dossiers WHERE user_id = ?)", userID).Scan(ctx, &rows)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	var until time.Time
	for _, r := range rows {
		end, err := time.Parse(time.DateOnly, r.EndDate)
		if r.Status != "closed" || err != nil {
			end = now // still open: kept for the whole period from today
		}
		if keep := end.Add(s.Retention); keep.After(until) {
			until = keep
		}
	}
	if until.After(now) {
		return &Retained{Until: until}
	}
	return nil
}
