package sdktest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
	"github.com/atriumhq/atrium/plugins/sdk/messages"
	"github.com/atriumhq/atrium/plugins/sdk/sdktest"
)

// files are a small module's templates and messages.
var files = fstest.MapFS{
	"templates/index.html": {Data: []byte(`<h1>{{t "notes.title"}}</h1>{{csrf}}<a href="{{url "/"}}">{{term "Coachee" 2}}</a>` +
		`<ul>{{range .}}<li>{{.Text}}</li>{{end}}</ul>`)},
	"templates/tile.html": {Data: []byte(`<p>{{t "notes.tile" (len .)}}</p>`)},
	"locales/en.toml": {Data: []byte(`[notes]
title = "Notes"
added = "A note was added"
[notes.tile]
one = "{{.Count}} note"
other = "{{.Count}} notes"
`)},
	"locales/nl.toml": {Data: []byte(`[notes]
title = "Notities"
`)},
}

type note struct {
	bun.BaseModel  `bun:"table:notes_items"`
	ID             int64  `bun:"id,pk,autoincrement"`
	OrganisationID int64  `bun:"organisation_id,notnull"`
	AuthorID       int64  `bun:"author_id,notnull"`
	Text           string `bun:"text,notnull"`
}

// itemService reads notes as a plugin's services do: from the database
// the module gives when a call runs.
type itemService struct{ db sdk.Database }

func (s itemService) one(ctx context.Context, org, id int64) (*note, error) {
	n := &note{}
	err := s.db.DB().NewSelect().Model(n).Where("id = ? AND organisation_id = ?", id, org).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("note %d: %w", id, sdk.ErrNotFound)
	}
	return n, err
}

// module is a small module using most of what the host offers.
func module() *sdk.Module {
	m := sdk.New(sdk.Manifest{ID: "notes", Version: "1.0.0", Label: "notes.title",
		Permissions: []sdk.Permission{{Name: "notes.view", DefaultRoles: []string{"coach"}}}}, files)
	m.Migration("1_items", func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewCreateTable().Model((*note)(nil)).Exec(ctx)
		return err
	})
	list := func(r *sdk.Request) ([]note, error) {
		var notes []note
		err := r.DB().NewSelect().Model(&notes).Where("organisation_id = ?", r.OrganisationID()).Order("id").Scan(r.Context)
		return notes, err
	}
	m.Page("GET", "/", "notes.view", func(r *sdk.Request) error {
		notes, err := list(r)
		if err != nil {
			return err
		}
		return r.Render("index", "notes.title", notes)
	})
	m.Page("POST", "/", "notes.view", func(r *sdk.Request) error {
		if !r.Can("notes.view") {
			return r.Fail(403)
		}
		n := &note{OrganisationID: r.OrganisationID(), AuthorID: r.UserID(), Text: r.Form.Get("text")}
		err := r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(n).Exec(ctx)
			return err
		})
		if err != nil {
			return err
		}
		for _, err := range []error{r.Notify(r.UserID(), "notes.added", r.URL("/")), r.Audit("added", 0, ""),
			r.Emit("added", []byte(strconv.FormatInt(n.ID, 10))), r.Publish(sdk.UserTopic(r.UserID()), "note", "<li>new</li>"),
			r.SetCount(r.UserID(), 1), r.Mail(r.UserID(), sdk.Mail{Subject: r.T("notes.added"), Text: n.Text})} {
			if err != nil {
				return err
			}
		}
		return r.Redirect("/")
	})
	m.Page("GET", "/panic", "", func(*sdk.Request) error { panic("a bug") })
	m.Page("GET", "/rows/:n", "", func(r *sdk.Request) error {
		n, _ := strconv.Atoi(r.Params["n"])
		var got []int64
		err := r.DB().NewRaw("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?) SELECT i FROM c", n).Scan(r.Context, &got)
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain", []byte(strconv.Itoa(len(got))))
	})
	// A service built before Serve keeps the module and asks it for the
	// database in each call; its "not there" is a 404.
	items := itemService{db: m}
	m.Page("GET", "/items/:id", "", func(r *sdk.Request) error {
		id, err := r.ParamID("id")
		if err != nil {
			return err
		}
		n, err := items.one(r.Context, r.OrganisationID(), id)
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain", []byte(n.Text))
	})
	m.Page("GET", "/forbidden", "", func(*sdk.Request) error { return fmt.Errorf("no: %w", sdk.ErrForbidden) })
	m.Page("GET", "/names", "", func(r *sdk.Request) error {
		var ids []int64
		for _, id := range strings.Split(r.Query.Get("ids"), ",") {
			n, _ := strconv.ParseInt(id, 10, 64)
			ids = append(ids, n)
		}
		people, err := r.PeopleByID(ids...)
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain", []byte(strconv.Itoa(len(people))+" "+people[ids[0]].Name))
	})
	m.Slot("home.tile", func(r *sdk.Request) (template.HTML, error) {
		notes, err := list(r)
		if err != nil {
			return "", err
		}
		return r.Fragment("tile", notes)
	})
	m.Slot("dossier.card", func(r *sdk.Request) (template.HTML, error) {
		id, _ := strconv.ParseInt(r.Params["dossier_id"], 10, 64)
		if err := r.AddItem(id, "note", "1"); err != nil {
			return "", err
		}
		d, err := r.Dossier(id)
		if err != nil {
			return "", err
		}
		return template.HTML(d.Name + " " + string(d.Level)), r.SetSessions(id, d.Trajectories[0].ID, 1, 0)
	})
	m.Tick(func(r *sdk.Request) error {
		_, err := r.DB().NewInsert().Model(&note{OrganisationID: r.OrganisationID(), Text: "tick"}).Exec(r.Context)
		return err
	})
	// An attachment kept with a note, sent back to whoever may view notes.
	m.UploadPage("POST", "/attach", "notes.view", sdk.Upload{Fields: []string{"file"}}, func(r *sdk.Request) error {
		up, err := r.Files().Uploaded("file")
		if err != nil || len(up) != 1 {
			return r.Fail(422)
		}
		if _, err := r.Files().Claim("note:1", 0, up[0].ID); err != nil {
			return err
		}
		return r.Raw(200, "text/plain", []byte(strconv.FormatInt(up[0].ID, 10)))
	})
	m.Page("GET", "/attachment/:id", "notes.view", func(r *sdk.Request) error {
		id, err := r.ParamID("id")
		if err != nil {
			return err
		}
		return r.SendFile(id, true)
	})
	// Each event heard once, by its id.
	m.OnEvent("notes.told", func(r *sdk.Request, payload []byte) error {
		_, err := r.DB().ExecContext(r.Context, "INSERT INTO notes_items (organisation_id, author_id, text) SELECT ?, 0, ? WHERE NOT EXISTS (SELECT 1 FROM notes_items WHERE text = ?)",
			r.OrganisationID(), "event "+strconv.FormatInt(r.EventID(), 10), "event "+strconv.FormatInt(r.EventID(), 10))
		return err
	})
	m.Privacy(func(r *sdk.Request, person int64) ([]sdk.ExportFile, error) {
		notes, err := list(r)
		if err != nil {
			return nil, err
		}
		f, err := sdk.JSONFile("notes.json", notes)
		return []sdk.ExportFile{f}, err
	}, func(r *sdk.Request, person int64, _ time.Duration) error {
		_, err := r.DB().ExecContext(r.Context, "DELETE FROM notes_items WHERE organisation_id = ?", r.OrganisationID())
		return err
	})
	return m
}

// TestFilesEventsAndPrivacy: the fake keeps uploads and the files a page
// sends, delivers events with ids (once more with the same id, as the host
// may), and asks for a person's export and erasure.
func TestFilesEventsAndPrivacy(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
	c := h.As(coach)
	res := c.Upload("/attach", nil, "file", "plan.txt", []byte("the plan"))
	if res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	id, _ := strconv.ParseInt(res.Body, 10, 64)
	if f, data, ok := h.File(id); !ok || f.Ref != "note:1" || string(data) != "the plan" || f.UploadedBy != coach {
		t.Errorf("the file: %+v %q", f, data)
	}
	if got := c.Get("/attachment/" + res.Body); got.File != id || !got.Inline {
		t.Errorf("sent: %+v", got)
	}
	if err := c.Event("notes.told", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.EventAgain(h.LastEventID(), "notes.told", nil); err != nil {
		t.Fatal(err)
	}
	files, err := c.Export(coach)
	if err != nil || len(files) != 1 || strings.Count(string(files[0].Data), "event ") != 1 {
		t.Errorf("export: %v %q", err, files)
	}
	if err := c.Erase(coach, 0); err != nil {
		t.Fatal(err)
	}
	if files, _ := c.Export(coach); strings.Contains(string(files[0].Data), "event") {
		t.Errorf("after the erasure: %q", files[0].Data)
	}
}

func TestPagesAndWhatTheyLeave(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
	client := h.AddPerson(sdktest.Person{Name: "Robin", Roles: []string{"coachee"}})

	c := h.As(coach)
	if res := c.PostForm("/", url.Values{"text": {"First note"}}); res.Status != 303 || res.Location != "/m/notes/" {
		t.Fatalf("a note: %d %q %s", res.Status, res.Location, res.Body)
	}
	res := c.PostForm("/", url.Values{"text": {"Second"}})
	res = c.Get(res.Location) // where the redirect leads
	if res.Status != 200 || res.Title != "Notes" || !strings.Contains(res.Body, "<li>First note</li><li>Second</li>") {
		t.Errorf("the page: %d %q %s", res.Status, res.Title, res.Body)
	}
	if !strings.Contains(res.Body, `value="sdktest-csrf"`) || !strings.Contains(res.Body, `href="/m/notes/">Coachees<`) {
		t.Errorf("csrf, url or term: %s", res.Body)
	}
	if n := len(h.Notices()); n != 2 || h.Notices()[0].To != coach || h.Notices()[0].Link != "/m/notes/" {
		t.Errorf("notices: %+v", h.Notices())
	}
	if m := h.Mails(); len(m) != 2 || m[0].Subject != "A note was added" || m[0].Text != "First note" {
		t.Errorf("mails: %+v", m)
	}
	if e := h.Emitted(); len(e) != 2 || e[0].Name != "notes.added" || e[0].By != coach {
		t.Errorf("emitted: %+v", e)
	}
	if a := h.Audited(); len(a) != 2 || a[1].Action != "notes.added" {
		t.Errorf("audited: %+v", a)
	}
	if p := h.Published(); len(p) != 2 || p[0].Topic != "user:"+strconv.FormatInt(coach, 10) {
		t.Errorf("published: %+v", p)
	}
	if h.Count(coach) != 1 {
		t.Errorf("count: %d", h.Count(coach))
	}

	// The manifest gives the coach's role the permission, not the coachee's.
	if res := h.As(client).PostForm("/", url.Values{"text": {"x"}}); res.Status != 403 {
		t.Errorf("a coachee's note: %d", res.Status)
	}
	// In Dutch, and with the organisation's own word.
	nl := h.As(coach)
	nl.Locale, nl.Terms = "nl", map[string]messages.Words{"coachee": {One: "cliënt", Other: "cliënten"}}
	if res := nl.Get("/"); res.Title != "Notities" || !strings.Contains(res.Body, "Cliënten") {
		t.Errorf("in Dutch: %q %s", res.Title, res.Body)
	}
	if html, err := c.Slot("home.tile", nil); err != nil || html != "<p>2 notes</p>" {
		t.Errorf("the tile: %q %v", html, err)
	}
}

func TestOrganisationsAreApart(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	other := h.AddOrganisation("Elsewhere")
	here := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
	there := h.AddPerson(sdktest.Person{Name: "Alex", Roles: []string{"coach"}, Organisation: other})
	h.As(here).PostForm("/", url.Values{"text": {"Ours"}})
	if res := h.As(there).Get("/"); strings.Contains(res.Body, "Ours") {
		t.Errorf("another organisation's note is shown: %s", res.Body)
	}
	var n int
	if err := h.DB(other).NewRaw("SELECT count(*) FROM notes_items").Scan(context.Background(), &n); err != nil || n != 0 {
		t.Errorf("rows in the other organisation's database: %d %v", n, err)
	}
	// A module that writes a row of another organisation is refused.
	_, err := h.DB(sdktest.Organisation).NewInsert().Model(&note{OrganisationID: other, Text: "x"}).Exec(context.Background())
	if err == nil {
		t.Error("a row of another organisation was written")
	}
	if err := h.Tick(other); err != nil {
		t.Fatal(err)
	}
	if err := h.DB(other).NewRaw("SELECT count(*) FROM notes_items WHERE text = 'tick'").Scan(context.Background(), &n); err != nil || n != 1 {
		t.Errorf("the tick's row: %d %v", n, err)
	}
}

func TestDossiersFailuresAndLargeResults(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
	d := h.AddDossier(sdktest.Dossier{Name: "Robin", Levels: map[int64]sdk.Level{coach: "edit"},
		Trajectories: []sdk.Trajectory{{ID: 7, Number: 1, Status: "planned", Planned: 5}}})
	html, err := h.As(coach).Slot("dossier.card", map[string]string{"dossier_id": strconv.FormatInt(d, 10)})
	if err != nil || html != "Robin edit" {
		t.Fatalf("the dossier card: %q %v", html, err)
	}
	if tr := h.Dossier(d).Trajectories[0]; tr.Booked != 1 || tr.Status != "running" {
		t.Errorf("the trajectory: %+v", tr)
	}
	// Someone without a level in the dossier: the host refuses, the slot fails.
	stranger := h.AddPerson(sdktest.Person{Name: "Alex", Roles: []string{"coach"}})
	if _, err := h.As(stranger).Slot("dossier.card", map[string]string{"dossier_id": strconv.FormatInt(d, 10)}); err == nil {
		t.Error("a stranger added an item")
	}
	if res := h.As(coach).Get("/panic"); res.Status != 500 {
		t.Errorf("a panicking page: %d", res.Status)
	}
	// More rows than one batch of the stream.
	if res := h.As(coach).Get("/rows/2500"); res.Body != "2500" || !res.Raw {
		t.Errorf("rows: %q", res.Body)
	}
}

func TestHandlersAreQuick(t *testing.T) {
	t.Parallel()
	started := time.Now()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
	for i := range 20 {
		h.As(coach).PostForm("/", url.Values{"text": {strconv.Itoa(i)}})
	}
	if took := time.Since(started); took > 2*time.Second {
		t.Errorf("a host and 20 posts took %s", took)
	}
}

func TestServicesNotFoundAndNames(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
	c := h.As(coach)
	c.PostForm("/", url.Values{"text": {"Kept"}})
	for path, want := range map[string]int{"/items/1": 200, "/items/2": 404, "/items/x": 404, "/forbidden": 403} {
		if res := c.Get(path); res.Status != want {
			t.Errorf("%s: %d, want %d", path, res.Status, want)
		}
	}
	// More people than the host describes in one call, each asked once.
	ids := []string{strconv.FormatInt(coach, 10), strconv.FormatInt(coach, 10)}
	for range 1200 {
		ids = append(ids, strconv.FormatInt(h.AddPerson(sdktest.Person{Name: "Someone"}), 10))
	}
	if res := c.Get("/names?ids=" + strings.Join(ids, ",")); res.Status != 200 || res.Body != "1201 Casey" {
		t.Errorf("people by id: %d %q", res.Status, res.Body)
	}
}
