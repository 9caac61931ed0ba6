package main

import (
	"context"
	"path"
	"strings"

	webcaldav "github.com/emersion/go-webdav/caldav"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/caldav"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Changes is the calendar's sync token and what changed after since: the
// log of appointments and own events, with the open hours compared first
// against what apps were last told. since -1 asks for the token alone.
func (s calendarStore) Changes(ctx context.Context, calendar string, since int64) (int64, []webcaldav.CalendarObject, []string, error) {
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
		now[path.Base(o.Path)] = o.ETag
	}
	err = r.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return reconcileOpen(ctx, tx, r.OrgID(), r.UserID(), now)
	})
	if err != nil {
		return 0, nil, nil, err
	}
	token, err := lastChange(ctx, r.DB(), r.OrgID(), r.UserID())
	if err == nil && token == 0 {
		// A calendar's first token is 1 and up, so that 0 stays the first
		// sync: an empty entry marks that apps have seen it.
		if err = touch(ctx, r.DB(), r.OrgID(), r.UserID(), ""); err == nil {
			token, err = lastChange(ctx, r.DB(), r.OrgID(), r.UserID())
		}
	}
	if err != nil {
		return 0, nil, nil, err
	}
	switch {
	case since < 0:
		return token, nil, nil, nil
	case since > token:
		return 0, nil, nil, caldav.ErrUnknownToken
	case since == 0:
		all, err := s.ListCalendarObjects(ctx, calendar, nil)
		return token, all, nil, err
	}
	var names []string
	if err := r.DB().NewSelect().Model((*davChange)(nil)).Distinct().Column("name").
		Where("organisation_id = ? AND coach_id = ? AND id > ? AND name <> ''", r.OrgID(), r.UserID(), since).Scan(ctx, &names); err != nil {
		return 0, nil, nil, err
	}
	changed, err := objectsNamed(r, names, open)
	if err != nil {
		return 0, nil, nil, err
	}
	found := map[string]bool{}
	for _, o := range changed {
		found[path.Base(o.Path)] = true
	}
	var removed []string
	_, _, base := davPaths(r)
	for _, n := range names {
		if !found[n] {
			removed = append(removed, base+n)
		}
	}
	return token, changed, removed, nil
}

// objectsNamed are the calendar's objects of those names that are there,
// read a thousand at a time; open are the open hours as they are now.
func objectsNamed(r *sdk.Request, names []string, open []webcaldav.CalendarObject) ([]webcaldav.CalendarObject, error) {
	var out []webcaldav.CalendarObject
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	for _, o := range open {
		if wanted[path.Base(o.Path)] {
			out = append(out, o)
		}
	}
	for len(names) > 0 {
		batch := names[:min(len(names), 1000)]
		names = names[len(batch):]
		uids := make([]string, 0, len(batch))
		for _, n := range batch {
			uids = append(uids, strings.TrimSuffix(n, ".ics"))
		}
		appointments, err := appointmentObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("uid IN (?)", bun.List(uids)) })
		if err != nil {
			return nil, err
		}
		events, err := eventObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("name IN (?)", bun.List(batch)) })
		if err != nil {
			return nil, err
		}
		out = append(append(out, appointments...), events...)
	}
	return out, nil
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

// lastChange is the newest entry of a coach's change log, 0 for none.
func lastChange(ctx context.Context, db bun.IDB, orgID, coachID int64) (int64, error) {
	var id int64
	err := db.NewSelect().Model((*davChange)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").
		Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Scan(ctx, &id)
	return id, err
}
