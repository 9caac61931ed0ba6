package main

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// hours is one block of a coach's weekly hours.
type hours struct {
	bun.BaseModel  `bun:"table:agenda_hours"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	Weekday        int       `bun:"weekday,notnull"`
	StartMin       int       `bun:"start_min,notnull"`
	EndMin         int       `bun:"end_min,notnull"`
	Place          string    `bun:"place,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Start and End are the block's times of day.
func (h hours) Start() availability.Clock { return availability.Clock(h.StartMin) }
func (h hours) End() availability.Clock   { return availability.Clock(h.EndMin) }

// settings are a coach's own agenda settings.
type settings struct {
	bun.BaseModel  `bun:"table:agenda_settings"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CoachID        int64  `bun:"coach_id,pk"`
	TimeZone       string `bun:"time_zone,notnull"`
}

// maxBlocks bounds a coach's weekly hours.
const maxBlocks = 60

// availabilityPage shows the coach's weekly hours, their time zone and the
// free hours of the coming week that they give.
func availabilityPage(r *sdk.Request) error {
	return renderAvailability(r, 200, map[string]string{}, map[string]string{})
}

func renderAvailability(r *sdk.Request, status int, values, problems map[string]string) error {
	return availabilityView(r, status, values, problems, "")
}

// renderAvailabilityWith shows the page with a feed address just made.
func renderAvailabilityWith(r *sdk.Request, fresh string) error {
	return availabilityView(r, 200, map[string]string{}, map[string]string{}, fresh)
}

func availabilityView(r *sdk.Request, status int, values, problems map[string]string, fresh string) error {
	list, err := weeklyOf(r.Context, r.DB(), r.OrganisationID(), r.UserID())
	if err != nil {
		return err
	}
	zone, err := zoneOf(r, r.UserID())
	if err != nil {
		return err
	}
	types, err := sessionTypesOf(r, r.UserID())
	if err != nil {
		return err
	}
	changes, err := upcoming(r)
	if err != nil {
		return err
	}
	// The preview uses the first session type, or an hour when there is none.
	session, sessionName := availability.Session{Duration: time.Hour}, ""
	if len(types) > 0 {
		session, sessionName = types[0].session(), types[0].Name
	}
	now := time.Now()
	coach, err := load(r.Context, r.DB(), r.OrganisationID(), r.UserID(), zone, now, now.Add(7*24*time.Hour), 0)
	if err != nil {
		return err
	}
	free := availability.Free(coach, session, now, now.Add(7*24*time.Hour), now)
	var shown []string
	for i, s := range free {
		if i == 12 {
			break
		}
		shown = append(shown, s.Start.In(zone).Format("Mon 2 Jan 15:04"))
	}
	apps, err := appsView(r, fresh)
	if err != nil {
		return err
	}
	days := make([]int, 7)
	for i := range days {
		days[i] = (i + 1) % 7 // Monday first
	}
	return r.RenderStatus(status, "availability", "agenda.availability.title", map[string]any{
		"Hours": list, "Zone": zone.String(), "Free": shown, "Days": days, "Values": values, "Problems": problems,
		"Types": types, "Session": sessionName, "Changes": changes, "ZoneLoc": zone, "Apps": apps,
		"ChangeFields": []string{"first", "last", "change_from", "change_until", "change_place"},
		"TypeFields":   []string{"name", "duration", "buffer_before", "buffer_after", "notice", "ahead", "daily_max"},
	})
}

// addHoursPost adds a block of weekly hours: a day, a start and an end
// within it, a place; it may not overlap another block of the same day.
func addHoursPost(r *sdk.Request) error {
	values := map[string]string{"day": r.Form.Get("day"), "start": r.Form.Get("start"), "end": r.Form.Get("end"), "place": strings.TrimSpace(r.Form.Get("place"))}
	problems := map[string]string{}
	day, err := strconv.Atoi(values["day"])
	if err != nil || day < 0 || day > 6 {
		problems["day"] = "agenda.error.day"
	}
	start, err := availability.ParseClock(values["start"])
	if err != nil {
		problems["start"] = "agenda.error.time"
	}
	end, err := availability.ParseClock(values["end"])
	if err != nil {
		problems["end"] = "agenda.error.time"
	} else if problems["start"] == "" && end <= start {
		problems["end"] = "agenda.error.end_before_start"
	}
	place := values["place"]
	if place == "" {
		place = "online"
	}
	if utf8.RuneCountInString(place) > 80 {
		problems["place"] = "agenda.error.place"
	}
	list, err := weeklyOf(r.Context, r.DB(), r.OrganisationID(), r.UserID())
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		for _, h := range list {
			if h.Weekday == day && h.StartMin < int(end) && h.EndMin > int(start) {
				problems["start"] = "agenda.error.overlap"
			}
		}
		if len(list) >= maxBlocks {
			problems["day"] = "agenda.error.too_many"
		}
	}
	if len(problems) > 0 {
		return renderAvailability(r, 422, values, problems)
	}
	h := &hours{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Weekday: day, StartMin: int(start), EndMin: int(end), Place: place, CreatedAt: time.Now().UTC()}
	if _, err := r.DB().NewInsert().Model(h).Exec(r.Context); err != nil {
		return err
	}
	return r.Redirect("/availability")
}

// zonePost sets the time zone the coach's hours are in.
func zonePost(r *sdk.Request) error {
	name := strings.TrimSpace(r.Form.Get("zone"))
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		return renderAvailability(r, 422, map[string]string{"zone": name}, map[string]string{"zone": "agenda.error.zone"})
	}
	s := &settings{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), TimeZone: name}
	_, err := r.DB().NewInsert().Model(s).On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("time_zone = EXCLUDED.time_zone").Exec(r.Context)
	if err != nil {
		return err
	}
	return r.Redirect("/availability")
}
