package pluginhost_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestAnExportHoldsNoFilesOfAnOrganisationLeft: a coach uploads a
// session report in the Harbour, then leaves it for another organisation.
// The report is the Harbour's record (about a coachee); the coach's
// export must not hand it back to them.
func TestAnExportHoldsNoFilesOfAnOrganisationLeft(t *testing.T) {
	t.Parallel()
	app := filesApp(t, coretest.SQLite(t), "folder")
	ctx := t.Context()
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "report on Kim.pdf", []byte(pdfBytes)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	north := app.Organisation(t, "north", "North")
	me := app.Person(t, north, "coach@harbour.example", access.Role("coach"))
	harbour := app.DemoOrg(t)
	for _, table := range []string{"member_roles", "members"} {
		if _, err := app.DB().NewDelete().Table(table).Where("user_id = ? AND organisation_id = ?", me.ID, harbour).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	gone := app.Client(t)
	gone.SignIn("coach@harbour.example")
	res := gone.Get("/settings/privacy/export")
	if res.StatusCode != 200 {
		t.Fatalf("export: %d", res.StatusCode)
	}
	for name := range coretest.Unzip(t, []byte(res.Body)) {
		if strings.HasPrefix(name, "files/") {
			t.Errorf("the export of someone who left the Harbour holds its file %q", name)
		}
	}
}
