// Command agenda is the agenda plugin: coaches publish when they are
// available, coachees book a session, and everything reaches the coach's
// own calendar app. It is built on the SDK alone: a coach's hours and
// session types, booking by coachees, the coach's agenda, and mails with
// calendar invitations.
//
// This file wires: the module, its services, the Handlers on them and
// their routes. The handlers are in the files named after their pages, the
// services in internal/.
package main

import (
	"embed"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/calendar"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/notify"
	"github.com/atriumhq/atrium/plugins/agenda/internal/privacy"
	"github.com/atriumhq/atrium/plugins/agenda/internal/schema"
	"github.com/atriumhq/atrium/plugins/agenda/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() { sdk.Serve(module()) }

// manifest describes the agenda to the host: its permissions, with the
// built-in roles that hold them, and its navigation.
var manifest = sdk.Manifest{
	ID: "agenda", Version: "0.1.0", Label: "agenda.title", Summary: "agenda.summary", Icon: "calendar",
	Permissions: []sdk.Permission{
		{Name: "agenda.offer", DefaultRoles: []string{"coach"}},
		{Name: "agenda.book", DefaultRoles: []string{"coachee"}},
		{Name: "agenda.manage", DefaultRoles: []string{"admin"}},
	},
	Navigation: []sdk.NavEntry{
		{Label: "agenda.book.title", Icon: "calendar", Path: "/book", Permission: "agenda.book"},
		{Label: "agenda.calendar.title", Icon: "calendar", Path: "/agenda", Permission: "agenda.offer"},
		{Label: "agenda.availability.title", Icon: "clock", Path: "/availability", Permission: "agenda.offer"},
		{Label: "agenda.settings.title", Icon: "tag", Path: "/themes", Permission: "agenda.manage"},
	},
}

// module builds the agenda: its migrations, its services on the module's
// database, the Handlers on them and their routes. main serves it; the
// tests call it.
func module() *sdk.Module {
	m := sdk.New(manifest, files)
	schema.Register(m)
	h := &Handlers{Hours: hours.New(m), Bookings: booking.New(m), Settings: settings.New(m)}
	h.Notify = notify.New(h.Bookings)
	h.Calendar = calendar.New(m, h.Hours, h.Bookings, h.Settings, h.Notify)

	m.Page("GET", "/book", "agenda.book", h.Book)
	m.Page("POST", "/book", "agenda.book", h.BookPost)
	m.Page("GET", "/dossiers/:id/book", "agenda.offer", h.Plan)
	m.Page("POST", "/dossiers/:id/book", "agenda.offer", h.PlanPost)
	m.Slot("dossier.card", h.DossierCard)
	m.Privacy(privacy.Export, privacy.Erase)

	m.Page("GET", "/agenda", "agenda.offer", h.Agenda)
	m.Page("GET", "/appointments/:id", "", h.Appointment)
	m.Page("POST", "/appointments/:id/cancel", "", h.AppointmentCancelPost)
	m.Page("POST", "/appointments/:id/move", "agenda.offer", h.AppointmentMovePost)
	m.Page("POST", "/appointments/:id/outcome", "agenda.offer", h.AppointmentOutcomePost)
	m.Page("POST", "/appointments/:id/theme", "agenda.offer", h.AppointmentThemePost)

	m.Page("GET", "/themes", "agenda.manage", h.OrganisationSettings)
	m.Page("POST", "/themes", "agenda.manage", h.ThemeAddPost)
	m.Page("POST", "/themes/:id/delete", "agenda.manage", h.ThemeDeletePost)
	m.Page("POST", "/themes/names", "agenda.manage", h.NamesPost)
	m.Page("POST", "/themes/reminders", "agenda.manage", h.RemindersPost)

	m.Page("GET", "/availability", "agenda.offer", h.Availability)
	m.Page("POST", "/availability/hours", "agenda.offer", h.HoursPost)
	m.Page("POST", "/availability/hours/:id/delete", "agenda.offer", h.HoursDeletePost)
	m.Page("POST", "/availability/zone", "agenda.offer", h.ZonePost)
	m.Page("POST", "/availability/session-types", "agenda.offer", h.SessionTypePost)
	m.Page("POST", "/availability/session-types/:id/delete", "agenda.offer", h.SessionTypeDeletePost)
	m.Page("POST", "/availability/changes", "agenda.offer", h.ChangePost)
	m.Page("POST", "/availability/changes/:id/delete", "agenda.offer", h.ChangeDeletePost)

	m.Protocol(sdk.HTTP(caldav.New(calendar.Prefix, h.Calendar)))
	m.WellKnown("caldav")
	m.Feed(h.Feed)
	m.Page("POST", "/feed", "", h.FeedPost)
	m.Demo(h.Demo)
	m.Tick(h.Remind)
	return m
}
