// Command agenda is the agenda plugin: coaches publish when they are
// available, coachees book a session, and everything reaches the coach's
// own calendar app. It is built on the SDK alone. This first part keeps a
// coach's weekly hours and time zone and shows the free times they give.
package main

import (
	"embed"

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
		},
		Navigation: []sdk.NavEntry{{Label: "agenda.availability.title", Icon: "calendar", Path: "/availability", Permission: "agenda.offer"}},
	}, files)
	migrations(m)
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
