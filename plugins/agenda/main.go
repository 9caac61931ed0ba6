// Command agenda is the agenda plugin: coaches publish when they are
// available, coachees book a session, and everything reaches the coach's
// own calendar app. It is built on the SDK alone: a coach's hours and
// session types, booking by coachees, the coach's agenda, and mails with
// calendar invitations.
package main

import (
	"embed"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{
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
	}, files)
	migrations(m)
	m.Page("GET", "/book", "agenda.book", bookPage)
	m.Page("POST", "/book", "agenda.book", bookPost)
	m.Page("GET", "/dossiers/:id/book", "agenda.offer", planPage)
	m.Page("POST", "/dossiers/:id/book", "agenda.offer", planPost)
	m.Slot("dossier.card", dossierCard)
	m.Page("GET", "/agenda", "agenda.offer", agendaPage)
	m.Page("GET", "/appointments/:id", "", appointmentPage)
	m.Page("POST", "/appointments/:id/cancel", "", cancelPost)
	m.Page("POST", "/appointments/:id/move", "agenda.offer", movePost)
	m.Page("POST", "/appointments/:id/outcome", "agenda.offer", outcomePost)
	m.Page("POST", "/appointments/:id/theme", "agenda.offer", themePost)
	m.Page("GET", "/themes", "agenda.manage", themesPage)
	m.Page("POST", "/themes", "agenda.manage", addThemePost)
	m.Page("POST", "/themes/:id/delete", "agenda.manage", deleteRow((*theme)(nil), false, "/themes"))
	m.Page("POST", "/themes/names", "agenda.manage", namesPost)
	m.Page("POST", "/themes/reminders", "agenda.manage", remindersPost)
	m.Protocol(sdk.HTTP(caldav.New(davPrefix, calendarStore{})))
	m.WellKnown("caldav")
	m.Feed(feed)
	m.Demo(seedDemo)
	m.Tick(remind)
	m.Page("POST", "/feed", "", feedPost)
	m.Page("GET", "/availability", "agenda.offer", availabilityPage)
	m.Page("POST", "/availability/hours", "agenda.offer", addHoursPost)
	m.Page("POST", "/availability/hours/:id/delete", "agenda.offer", deleteOwn((*hours)(nil)))
	m.Page("POST", "/availability/zone", "agenda.offer", zonePost)
	m.Page("POST", "/availability/session-types", "agenda.offer", addSessionTypePost)
	m.Page("POST", "/availability/session-types/:id/delete", "agenda.offer", deleteOwn((*sessionType)(nil)))
	m.Page("POST", "/availability/changes", "agenda.offer", addChangePost)
	m.Page("POST", "/availability/changes/:id/delete", "agenda.offer", deleteOwn((*change)(nil)))
	sdk.Serve(m)
}
