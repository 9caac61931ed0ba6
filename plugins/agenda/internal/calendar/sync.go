package calendar

import (
	"context"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Changes is what changed in the calendar since a position: the log of
// appointments and own events, with the open hours compared first against
// what apps were last told when what they come from moved. A first sync
// gets the calendar's listing in the order of names, a page at a time when
// the app set a limit, and then what changed while it was paged.
func (s *Store) Changes(ctx context.Context, calendar string, at caldav.Position, limit int, want caldav.Want) (caldav.Page, error) {
	r, err := from(ctx)
	if err != nil {
		return caldav.Page{}, err
	}
	if _, err := s.GetCalendar(ctx, calendar); err != nil {
		return caldav.Page{}, err
	}
	// The calendar's row, what its open hours come from and, for a sync
	// from a token, the log since it, read at once (the log is read again
	// should the open hours add to it).
	var state synclog.Calendar
	var inputs string
	var early *[]synclog.Change
	g := new(errgroup.Group)
	g.Go(func() (err error) {
		state, err = synclog.State(ctx, s.db.DB(), r.OrganisationID(), r.UserID())
		return err
	})
	g.Go(func() (err error) { inputs, err = s.openInputs(r); return err })
	if at.Since > 0 && at.After == "" && at.Calendar == r.OrganisationID() {
		early = new([]synclog.Change)
		g.Go(func() (err error) {
			*early, err = synclog.Since(ctx, s.db.DB(), r.OrganisationID(), r.UserID(), at.Since)
			return err
		})
	}
	err = g.Wait()
	if err == nil && state.LastChange == 0 {
		// A calendar's first token is 1 and up, so that 0 stays the first
		// sync: an empty entry marks that apps have seen it.
		state.LastChange, err = synclog.Touch(ctx, s.db.DB(), r.OrganisationID(), r.UserID(), "")
	}
	if err != nil {
		return caldav.Page{}, err
	}
	open := sync.OnceValues(s.openOf(r))
	if state.OpenInputs != synclog.Stamp(inputs, state.LastChange) {
		list, err := open()
		if err != nil {
			return caldav.Page{}, err
		}
		now := map[string]string{}
		for _, o := range list {
			now[path.Base(o.Path)] = o.ETag
		}
		err = s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return synclog.Reconcile(ctx, tx, r.OrganisationID(), r.UserID(), now, inputs, state.LastChange)
		})
		if err == nil {
			state, err = synclog.State(ctx, s.db.DB(), r.OrganisationID(), r.UserID())
		}
		if err != nil {
			return caldav.Page{}, err
		}
		early = nil
	}
	// Changes are counted per calendar, and the same address serves the
	// person's calendar in their first organisation: a token names its
	// organisation, and one of another is unknown.
	token := state.LastChange
	var page caldav.Page
	switch {
	case at.Since < 0:
		page.Next.Since = token
	case at.Since > 0 && at.Calendar != r.OrganisationID() || at.Since > token:
		return caldav.Page{}, caldav.ErrUnknownToken
	case at.Since == 0 || at.After != "":
		page, err = s.listing(r, calendar, at, token, limit, want, open)
	default:
		page, err = s.changedSince(r, at.Since, limit, caldav.MaxAnswer, want, open, early)
	}
	page.Next.Calendar = r.OrganisationID()
	return page, err
}

// openNow gives the open hours as they are now, computed once and only
// when asked for.
type openNow func() ([]caldav.Object, error)

// listing is a first sync: every object of the calendar in the order of
// names, from after the last one sent. A page cut at the limit, or where
// its data would pass caldav.MaxAnswer, continues from its last name at
// the change count the listing began at; once the listing is sent, what
// changed since it began follows. The calendar is listed by tags and
// sizes, and only the page's data is read.
func (s *Store) listing(r *sdk.Request, calendar string, at caldav.Position, token int64, limit int, want caldav.Want, open openNow) (caldav.Page, error) {
	began := at.Since
	if at.After == "" {
		began = token
	}
	all, err := s.objectsIn(r, calendar, s.tagsOnly(want.ModTimes), open)
	if err != nil {
		return caldav.Page{}, err
	}
	sort.Slice(all, func(i, j int) bool { return path.Base(all[i].Path) < path.Base(all[j].Path) })
	rest := all[:0]
	for _, o := range all {
		if path.Base(o.Path) > at.After {
			rest = append(rest, o)
		}
	}
	n := len(rest)
	if limit > 0 {
		n = min(n, limit)
	}
	budget := caldav.MaxAnswer
	page := rest[:n]
	if want.Data {
		n = withinBudget(page, &budget)
		if page, err = s.withData(r, rest[:n]); err != nil {
			return caldav.Page{}, err
		}
	}
	cutShort := func() (caldav.Page, error) {
		return caldav.Page{Changed: page, Next: caldav.Position{Since: began, After: path.Base(page[len(page)-1].Path)}, Truncated: true}, nil
	}
	switch {
	case n < len(rest):
		return cutShort()
	case at.After == "":
		return caldav.Page{Changed: page, Next: caldav.Position{Since: token}}, nil
	}
	// The listing is sent: what changed while it was paged comes after it,
	// within what the limit and the data bound leave (on the next page when
	// they leave nothing).
	left := 0
	if limit > 0 {
		if left = limit - n; left == 0 {
			return cutShort()
		}
	}
	if want.Data && budget <= 0 && n > 0 {
		return cutShort()
	}
	changed, err := s.changedSince(r, began, left, budget, want, open, nil)
	if err != nil {
		return caldav.Page{}, err
	}
	sent := map[string]bool{}
	for _, o := range page {
		sent[o.Path] = true
	}
	changed.Changed = slices.DeleteFunc(changed.Changed, func(o caldav.Object) bool { return sent[o.Path] })
	changed.Changed = append(page, changed.Changed...)
	return changed, nil
}

// changedSince is what the log says changed after since (read already
// when read is not nil), the objects as they are now and the paths of
// those gone, at most limit names (0: all) and, with their data, at most
// budget bytes of it: a page cut short continues after the last log entry
// it took.
func (s *Store) changedSince(r *sdk.Request, since int64, limit, budget int, want caldav.Want, open openNow, read *[]synclog.Change) (caldav.Page, error) {
	if read == nil {
		log, err := synclog.Since(r.Context, s.db.DB(), r.OrganisationID(), r.UserID(), since)
		if err != nil {
			return caldav.Page{}, err
		}
		read = &log
	}
	log := *read
	page := caldav.Page{Next: caldav.Position{Since: since}}
	var names []string
	first := map[string]int64{} // each name's first entry after since
	for _, c := range log {
		if _, seen := first[c.Name]; c.Name != "" && !seen {
			if limit > 0 && len(names) == limit {
				page.Truncated = true
				break
			}
			first[c.Name] = c.Seq
			names = append(names, c.Name)
		}
		page.Next.Since = c.Seq
	}
	events := s.tagsOnly(want.ModTimes)
	if want.Data {
		events = s.eventObjects
		sized, err := s.objectsNamed(r, names, open, s.tagsOnly(false))
		if err != nil {
			return caldav.Page{}, err
		}
		bySize := map[string]caldav.Object{}
		for _, o := range sized {
			bySize[path.Base(o.Path)] = o
		}
		kept := names[:0]
		for _, n := range names {
			if budget -= dataSize(bySize[n]); budget < 0 && len(kept) > 0 {
				// Cut before the name's first entry: it and what follows
				// come on the next page.
				page.Next.Since, page.Truncated = first[n]-1, true
				break
			}
			kept = append(kept, n)
		}
		names = kept
	}
	changed, err := s.objectsNamed(r, names, open, events)
	if err != nil {
		return caldav.Page{}, err
	}
	found := map[string]bool{}
	for _, o := range changed {
		found[path.Base(o.Path)] = true
	}
	_, _, base := davPaths(r)
	for _, n := range names {
		if !found[n] {
			page.Removed = append(page.Removed, base+n)
		}
	}
	page.Changed = changed
	return page, nil
}

// tagsOnly reads events by their tags and sizes, without their data.
func (s *Store) tagsOnly(modTimes bool) eventReader {
	return func(r *sdk.Request, names []string) ([]caldav.Object, error) {
		return s.eventTags(r, names, modTimes)
	}
}

// dataSize is what an object's calendar data will weigh in an answer: an
// event's own size, or (for an appointment or open hours, made here, of
// some hundred bytes) 2 KiB.
func dataSize(o caldav.Object) int {
	if o.Data == nil {
		return int(o.ContentLength)
	}
	return 2 << 10
}

// withinBudget is how many of the objects, from the first, fit the budget
// of data (one at least), which it spends.
func withinBudget(objects []caldav.Object, budget *int) int {
	for i, o := range objects {
		if *budget -= dataSize(o); *budget < 0 && i > 0 {
			return i
		}
	}
	return len(objects)
}

// withData reads the data of the events among the objects, listed by
// their tags, in their place.
func (s *Store) withData(r *sdk.Request, objects []caldav.Object) ([]caldav.Object, error) {
	var names []string
	for _, o := range objects {
		if o.Data == nil && o.Text == "" {
			names = append(names, path.Base(o.Path))
		}
	}
	byPath := map[string]caldav.Object{}
	for len(names) > 0 {
		batch := names[:min(len(names), 1000)]
		names = names[len(batch):]
		read, err := s.eventObjects(r, batch)
		if err != nil {
			return nil, err
		}
		for _, o := range read {
			byPath[o.Path] = o
		}
	}
	out := make([]caldav.Object, 0, len(objects))
	for _, o := range objects {
		if full, ok := byPath[o.Path]; ok {
			o = full
		}
		out = append(out, o)
	}
	return out, nil
}

// objectsNamed are the calendar's objects of those names that are there,
// read a thousand at a time, the coach's own events as events reads them;
// the open hours are computed only when one of them is asked for.
func (s *Store) objectsNamed(r *sdk.Request, names []string, open openNow, events eventReader) ([]caldav.Object, error) {
	var out []caldav.Object
	wanted := map[string]bool{}
	anyOpen := false
	for _, n := range names {
		wanted[n] = true
		anyOpen = anyOpen || strings.HasPrefix(n, "open-")
	}
	if anyOpen {
		list, err := open()
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			if wanted[path.Base(o.Path)] {
				out = append(out, o)
			}
		}
	}
	for len(names) > 0 {
		batch := names[:min(len(names), 1000)]
		names = names[len(batch):]
		uids := make([]string, 0, len(batch))
		for _, n := range batch {
			uids = append(uids, strings.TrimSuffix(n, ".ics"))
		}
		var appointments, own []caldav.Object
		g := new(errgroup.Group)
		g.Go(func() (err error) {
			appointments, err = s.Appointments(r, booking.Scope{UIDs: uids})
			return err
		})
		g.Go(func() (err error) {
			own, err = events(r, batch)
			return err
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
		out = append(append(out, appointments...), own...)
	}
	return out, nil
}
