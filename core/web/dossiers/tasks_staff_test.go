package dossiers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestStaffOnlyTasks: a task between the coach and the employer contact is
// staff-only unless it is marked for the person. The person whose dossier it
// is does not see it on their dossier, gets 404 at its address, is not told
// of a mention in it and does not find it in their data export; a task
// marked for them they see, at its address too, and a mention in it tells
// them. Staff see both. A forged checkbox value files nothing.
func TestStaffOnlyTasks(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)
		coach, person, hr := app.Client(t), app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		person.SignIn("coachee@harbour.example")
		hr.SignIn("hr@harbour.example")
		tasks := func() int {
			t.Helper()
			n, err := app.DB().NewSelect().Table("dossier_tasks").Where("dossier_id = ?", kim).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		taskID := func(note string) string {
			t.Helper()
			var id int64
			if err := app.DB().NewSelect().Table("dossier_tasks").Column("id").Where("note = ?", note).Scan(ctx, &id); err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(id, 10)
		}

		// The checkbox is off unless ticked.
		if form := coach.Get(base); form.Doc.Find(`#tasks input[name=for_person][type=checkbox]`).Length() != 1 || form.Doc.Find(`#tasks input[name=for_person][checked]`).Length() != 0 {
			t.Fatal("the request form has no unticked for-the-person checkbox")
		}
		if res := coach.PostForm(base+"/tasks", url.Values{"kind": {"extend"}, "note": {"x"}, "for_person": {"yes"}}); res.StatusCode != 303 || tasks() != 0 ||
			!strings.Contains(coach.Get(base).Text(".flash-error"), "could not be filed") {
			t.Fatalf("a forged checkbox value: %d, %d tasks", res.StatusCode, tasks())
		}

		staffNote := "@kim's budget is nearly spent; two more sessions at most."
		if res := coach.PostForm(base+"/tasks", url.Values{"kind": {"extend"}, "note": {staffNote}}); res.StatusCode != 303 {
			t.Fatalf("the staff-only task: %d", res.StatusCode)
		}
		staff := taskID(staffNote)
		page := person.Get(base)
		if got := page.Text("#tasks"); strings.Contains(got, "budget") || !strings.Contains(got, "No requests about this dossier") {
			t.Errorf("the person sees a staff-only task on their dossier: %q", got)
		}
		if page.Doc.Find(`#tasks a[href$="/tasks/`+staff+`"]`).Length() != 0 {
			t.Error("the person's dossier links to a staff-only task")
		}
		if res := person.Get(base + "/tasks/" + staff); res.StatusCode != 404 || strings.Contains(res.Body, "budget") {
			t.Errorf("the person at a staff-only task's address: %d", res.StatusCode)
		}
		if got := person.Get("/notices").Text("#notices"); strings.Contains(got, "mentioned") {
			t.Errorf("the person was told of a mention in a staff-only task: %q", got)
		}

		forNote := "@kim could you list three moments that went well?"
		if res := coach.PostForm(base+"/tasks", url.Values{"kind": {"request"}, "note": {forNote}, "for_person": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("the task for the person: %d", res.StatusCode)
		}
		forPerson := taskID(forNote)
		if got := person.Get(base).Text("#tasks"); !strings.Contains(got, "three moments") || strings.Contains(got, "budget") {
			t.Errorf("the person's dossier shows %q", got)
		}
		if res := person.Get(base + "/tasks/" + forPerson); res.StatusCode != 200 || !strings.Contains(res.Text("#task"), "three moments") {
			t.Errorf("the person at their task's address: %d", res.StatusCode)
		}
		if got := person.Get("/notices").Text("#notices"); !strings.Contains(got, "mentioned") {
			t.Errorf("the person was not told of a mention in a task for them: %q", got)
		}
		export := person.Get("/settings/privacy/export")
		z, err := zip.NewReader(bytes.NewReader([]byte(export.Body)), int64(len(export.Body)))
		if err != nil {
			t.Fatalf("export: %d %v", export.StatusCode, err)
		}
		var exported string
		for _, f := range z.File {
			if f.Name == "tasks.json" {
				r, _ := f.Open()
				body, _ := io.ReadAll(r)
				exported = string(body)
			}
		}
		if !strings.Contains(exported, "three moments") || strings.Contains(exported, "budget") {
			t.Errorf("the person's export of tasks: %q", exported)
		}

		// Staff see both, at their addresses, in the list and the count.
		if got := coach.Get(base).Text("#tasks"); !strings.Contains(got, "budget") || !strings.Contains(got, "three moments") || !strings.Contains(got, "Staff only") {
			t.Errorf("the coach's dossier shows %q", got)
		}
		for _, id := range []string{staff, forPerson} {
			if res := hr.Get(base + "/tasks/" + id); res.StatusCode != 200 {
				t.Errorf("the employer contact at task %s: %d", id, res.StatusCode)
			}
		}
		list := hr.Get("/tasks")
		if got := list.Text("#task-list"); !strings.Contains(got, "budget") || !strings.Contains(got, "three moments") {
			t.Errorf("the employer contact's task list: %q", got)
		}
		if got := list.Text(`#nav a[href="/tasks"] .badge`); !strings.HasPrefix(got, "2 ") {
			t.Errorf("the employer contact's badge: %q", got)
		}
		// The count leaves out what the person may not see, should they
		// handle tasks themselves.
		org := mustOrg(t, app, demo.Slug)
		if n, err := app.Dossiers().OpenTasks(ctx, org.ID, userID(t, app, "coachee@harbour.example")); err != nil || n != 1 {
			t.Errorf("open tasks the person may see: %d %v", n, err)
		}
		// A task of another dossier is not reached through this one.
		other := "/dossiers/" + strconv.FormatInt(findDossier(t, app, "Smit"), 10)
		if res := hr.Get(other + "/tasks/" + staff); res.StatusCode != 404 {
			t.Errorf("a task through another dossier: %d", res.StatusCode)
		}
	})
}
