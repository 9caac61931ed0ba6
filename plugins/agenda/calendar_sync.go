package main

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/caldav"
)

// Changes is the calendar's sync token and what changed after since: the
// log of appointments and own events, with the open hours compared first
// against what apps were last told. since -1 asks for the token alone.
func (s calendarStore) Changes(ctx context.Context, calendar string, since int64) (int64, []string, []string, error) {
	r, err := from(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	if _, err := s.GetCalendar(ctx, calendar); err != nil {
		return 0, nil, nil, err
	}
	open, err := openObjects(r)
	if err != nil {
		return 0, nil, nil, err
	}
	now := map[string]string{}
	for _, o := range open {
		now[o.Path[strings.LastIndex(o.Path, "/")+1:]] = o.ETag
	}
	err = r.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return reconcileOpen(ctx, tx, r.OrgID(), r.UserID(), now)
	})
	if err != nil {
		return 0, nil, nil, err
	}
	var token int64
	if err := r.DB().NewSelect().Model((*davChange)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").
		Where("organisation_id = ? AND coach_id = ?", r.OrgID(), r.UserID()).Scan(ctx, &token); err != nil {
		return 0, nil, nil, err
	}
	switch {
	case since < 0:
		return token, nil, nil, nil
	case since > token:
		return 0, nil, nil, caldav.ErrUnknownToken
	case since == 0:
		all, err := s.ListCalendarObjects(ctx, calendar, nil)
		paths := make([]string, 0, len(all))
		for _, o := range all {
			paths = append(paths, o.Path)
		}
		return token, paths, nil, err
	}
	var names []string
	if err := r.DB().NewSelect().Model((*davChange)(nil)).Distinct().Column("name").
		Where("organisation_id = ? AND coach_id = ? AND id > ?", r.OrgID(), r.UserID(), since).Scan(ctx, &names); err != nil {
		return 0, nil, nil, err
	}
	_, _, base := davPaths(r)
	paths := make([]string, 0, len(names))
	for _, n := range names {
		paths = append(paths, base+n)
	}
	// The sync handler finds which of them are gone.
	return token, paths, nil, nil
}

// reconcileOpen logs the open-hours objects that appeared, changed or went
// since apps were last told, and remembers what they are told now.
func reconcileOpen(ctx context.Context, tx bun.Tx, orgID, coachID int64, now map[string]string) error {
	var told []davOpen
	if err := tx.NewSelect().Model(&told).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Scan(ctx); err != nil {
		return err
	}
	var changed []string
	seen := map[string]bool{}
	for _, o := range told {
		seen[o.Name] = true
		if etag, ok := now[o.Name]; !ok || etag != o.ETag {
			changed = append(changed, o.Name)
		}
	}
	for name := range now {
		if !seen[name] {
			changed = append(changed, name)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if _, err := tx.NewDelete().Model((*davOpen)(nil)).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Exec(ctx); err != nil {
		return err
	}
	if len(now) > 0 {
		rows := make([]davOpen, 0, len(now))
		for name, etag := range now {
			rows = append(rows, davOpen{OrganisationID: orgID, CoachID: coachID, Name: name, ETag: etag})
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	return touch(ctx, tx, orgID, coachID, changed...)
}
