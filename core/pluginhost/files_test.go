package pluginhost_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// filesApp is an App with the filer plugin, its files in the folder or in
// a real S3 store.
func filesApp(t *testing.T, db config.Database, store string) *coretest.App {
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/filer")
	return coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		if store == "s3" {
			c.Files = coretest.S3(t)
		}
	}})
}

// eachFileStore runs fn on both databases, with the folder and with S3.
func eachFileStore(t *testing.T, fn func(t *testing.T, app *coretest.App)) {
	for _, store := range []string{"folder", "s3"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			coretest.EachDatabase(t, func(t *testing.T, db config.Database) { fn(t, filesApp(t, db, store)) })
		})
	}
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 64, 48))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pdfBytes = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// uploadedID is the id of the newest file in the person's box.
func uploadedID(t testing.TB, c *coretest.Client) int64 {
	t.Helper()
	page := c.Get("/m/filer/")
	links := page.Doc.Find("#files a")
	if links.Length() == 0 {
		t.Fatalf("no file in the box: %s", page.Body)
	}
	href, _ := links.Last().Attr("href")
	id, err := strconv.ParseInt(href[strings.LastIndex(href, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("link %q", href)
	}
	return id
}

// TestUploadsThroughAPlugin: a form's files reach the store through the
// host, checked by their bytes, and the plugin gets their ids.
func TestUploadsThroughAPlugin(t *testing.T) {
	t.Parallel()
	eachFileStore(t, func(t *testing.T, app *coretest.App) {
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		img := pngBytes(t)
		// A good one, with a name full of folders.
		if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", `..\..\secret/../etc/passwd/photo.png`, img); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", res.StatusCode, res.Body)
		}
		list := coach.Get("/m/filer/").Text("#files")
		if !strings.Contains(list, "photo.png") || !strings.Contains(list, "image/png") || strings.Contains(list, "passwd") {
			t.Errorf("the box: %q", list)
		}
		org := app.DemoOrg(t)
		kept := func() int {
			n, err := app.DB().NewSelect().Model((*files.File)(nil)).Where("organisation_id = ?", org).Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		// Refused: each says why, on the form, in the person's language,
		// and keeps nothing.
		for _, tc := range []struct {
			name, file string
			data       []byte
			want       string
		}{
			{"html that says it is a pdf", "report.pdf", []byte("<html><body><script>alert(1)</script></body></html>"), "not accepted"},
			{"a program", "run.png", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), "not accepted"},
			{"empty", "empty.pdf", nil, "empty"},
			{"too large", "big.pdf", append([]byte(pdfBytes), bytes.Repeat([]byte("x"), 1<<20)...), "larger than"},
		} {
			res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", tc.file, tc.data)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("#doc-error"), tc.want) {
				t.Errorf("%s: %d %q", tc.name, res.StatusCode, res.Text("#doc-error"))
			}
		}
		if n := kept(); n != 1 {
			t.Errorf("%d files kept, want the good one only", n)
		}
		// A form the plugin answers with an error leaves nothing behind.
		if res := coach.PostFile("/m/filer/refuse", url.Values{}, "doc", "a.png", img); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("refused form: %d", res.StatusCode)
		}
		if n := kept(); n != 1 {
			t.Errorf("%d files kept after a refused form", n)
		}
		// Without the form's token nothing is stored.
		res := coach.PostFile("/m/filer/upload", url.Values{"_csrf": {"forged"}}, "doc", "a.png", img)
		if res.StatusCode != http.StatusForbidden || kept() != 1 {
			t.Errorf("forged token: %d, %d files", res.StatusCode, kept())
		}
		// A file the plugin makes and reads back.
		made := coach.PostForm("/m/filer/made", url.Values{"n": {"1"}, "text": {"written by the module"}})
		if made.StatusCode != http.StatusOK {
			t.Fatalf("made: %d %s", made.StatusCode, made.Body)
		}
		if back := coach.Get("/m/filer/read/" + strings.TrimSpace(made.Body)); !strings.Contains(back.Body, "notes 1.txt 21 text/plain") || !strings.Contains(back.Body, "written by the module") {
			t.Errorf("read back: %q", back.Body)
		}
	})
}

// TestDownloadsThroughAPlugin: the plugin decides who may read a file; the
// host sends it with its name, ranges and entity tag, inline only under a
// sandbox; another organisation's file is not found.
func TestDownloadsThroughAPlugin(t *testing.T) {
	t.Parallel()
	eachFileStore(t, func(t *testing.T, app *coretest.App) {
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "Verslag van één sessie.pdf", []byte(pdfBytes)); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", res.StatusCode)
		}
		id := uploadedID(t, coach)
		path := "/m/filer/f/" + strconv.FormatInt(id, 10)
		res := coach.Get(path)
		if res.StatusCode != http.StatusOK || res.Body != pdfBytes {
			t.Fatalf("download: %d %q", res.StatusCode, res.Body)
		}
		h := res.Header
		if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''Verslag%20van%20%C3%A9%C3%A9n%20sessie.pdf") {
			t.Errorf("disposition: %q", cd)
		}
		if h.Get("Content-Type") != "application/pdf" || h.Get("Accept-Ranges") != "bytes" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") ||
			h.Get("X-Content-Type-Options") != "nosniff" || len(h.Get("ETag")) != 66 {
			t.Errorf("headers: %v", h)
		}
		etag := h.Get("ETag")
		if inline := coach.Get(path + "?inline=1"); !strings.HasPrefix(inline.Header.Get("Content-Disposition"), "inline;") {
			t.Errorf("inline: %q", inline.Header.Get("Content-Disposition"))
		}
		// Ranges, and the entity tag.
		for _, tc := range []struct {
			rng, want string
			status    int
		}{
			{"bytes=0-7", pdfBytes[:8], http.StatusPartialContent},
			{"bytes=9-", pdfBytes[9:], http.StatusPartialContent},
			{"bytes=-6", pdfBytes[len(pdfBytes)-6:], http.StatusPartialContent},
			{"bytes=0-1,4-5", pdfBytes, http.StatusOK},
			{"bytes=9999-", "", http.StatusRequestedRangeNotSatisfiable},
			{"pages=1", pdfBytes, http.StatusOK},
		} {
			got := coach.Get(path, "Range", tc.rng)
			if got.StatusCode != tc.status || (tc.status != http.StatusRequestedRangeNotSatisfiable && got.Body != tc.want) {
				t.Errorf("Range %s: %d %q", tc.rng, got.StatusCode, got.Body)
			}
			if tc.status == http.StatusPartialContent && !strings.HasSuffix(got.Header.Get("Content-Range"), "/"+strconv.Itoa(len(pdfBytes))) {
				t.Errorf("Range %s: Content-Range %q", tc.rng, got.Header.Get("Content-Range"))
			}
		}
		if got := coach.Get(path, "If-None-Match", etag); got.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", got.StatusCode)
		}
		if got := coach.Get(path, "Range", "bytes=0-3", "If-Range", `"other"`); got.StatusCode != http.StatusOK {
			t.Errorf("If-Range of another version: %d", got.StatusCode)
		}
		// Someone the plugin does not let read it, and someone without
		// the module's permission, get nothing.
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		if got := kim.Get(path); got.StatusCode != http.StatusNotFound || strings.Contains(got.Body, "%PDF") {
			t.Errorf("another person: %d", got.StatusCode)
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if got := admin.Get(path); got.StatusCode != http.StatusOK {
			t.Errorf("someone with filer.all: %d", got.StatusCode)
		}
		// Another organisation's administrator, with the module and every
		// right, asking for this file's id: not found.
		ctx := context.Background()
		north, _ := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err := app.Organisations().SetSubscription(ctx, north.ID, tenancy.Plan{Modules: []string{"filer"}, MaxPeople: 10}, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: "admin@north.example", GivenName: "N", FamilyName: "Admin", Role: access.RoleAdmin}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		other := app.Client(t)
		other.SignIn("admin@north.example")
		if got := other.Get(path); got.StatusCode != http.StatusNotFound || strings.Contains(got.Body, "%PDF") {
			t.Errorf("another organisation: %d", got.StatusCode)
		}
		// Deleted: gone for everyone.
		if got := coach.PostForm(path[:len("/m/filer/")]+"delete/"+strconv.FormatInt(id, 10), url.Values{}); got.StatusCode != http.StatusSeeOther {
			t.Errorf("delete: %d", got.StatusCode)
		}
		if got := admin.Get(path); got.StatusCode != http.StatusNotFound {
			t.Errorf("after delete: %d", got.StatusCode)
		}
	})
}

// TestUploadsStopAtTheStorage: an organisation whose subscription's
// storage is full is told so, and nothing is kept.
func TestUploadsStopAtTheStorage(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := filesApp(t, db, "folder")
		ctx := context.Background()
		org := app.DemoOrg(t)
		sub, err := app.Organisations().Subscription(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Organisations().SetSubscription(ctx, org, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: sub.MaxPeople, StorageMB: 1}, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		big := append([]byte(pdfBytes), bytes.Repeat([]byte("x"), 700<<10)...)
		if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "one.pdf", big); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first: %d", res.StatusCode)
		}
		res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "two.pdf", big)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("#doc-error"), "storage for files is full") {
			t.Errorf("beyond the storage: %d %q", res.StatusCode, res.Text("#doc-error"))
		}
		if list := coach.Get("/m/filer/").Text("#files"); strings.Contains(list, "two.pdf") {
			t.Errorf("the box: %q", list)
		}
	})
}

// TestFilesAcrossInstances: two instances on one PostgreSQL database and
// one S3 store, as behind a load balancer: a file uploaded through one
// downloads through the other.
func TestFilesAcrossInstances(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/filer")
	db, store := coretest.Postgres(t), coretest.S3(t)
	key := strings.Repeat("ab", 32) // instances of one installation share the key
	instance := func(demo bool) *coretest.App {
		return coretest.NewApp(t, db, coretest.Options{NoDemo: !demo, Config: func(c *config.Config) {
			coretest.WithPlugins(t, c, true, bin)
			c.Security.SecretKey = key
			c.Files = store
		}})
	}
	one, two := instance(true), instance(false)
	up, down := one.Client(t), two.Client(t)
	up.SignIn("coach@harbour.example")
	down.SignIn("admin@harbour.example") // who may open everyone's files
	img := pngBytes(t)
	if res := up.PostFile("/m/filer/upload", url.Values{}, "doc", "shared.png", img); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload on the first: %d", res.StatusCode)
	}
	id := uploadedID(t, up)
	res := down.Get("/m/filer/f/" + strconv.FormatInt(id, 10))
	if res.StatusCode != http.StatusOK || res.Body != string(img) || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("download on the second: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(res.Body))
	}
}

// TestSearchAsksThePlugins: the dossiers' quick search and the search page
// show a plugin's matches beside the dossiers, only what the person may
// open, and none for fewer than three letters.
func TestSearchAsksThePlugins(t *testing.T) {
	t.Parallel()
	app := filesApp(t, coretest.SQLite(t), "folder")
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "Intake Bakker.pdf", []byte(pdfBytes)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	quick := coach.Get("/dossiers/search?q=bakker", "HX-Request", "true")
	if !strings.Contains(quick.Text("#quick-list"), "Bakker") || !strings.Contains(quick.Text(".filer-found"), "Intake Bakker.pdf") {
		t.Errorf("quick search: %q / %q", quick.Text("#quick-list"), quick.Text(".filer-found"))
	}
	page := coach.Get("/search?q=intake")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Text("#search-results .filer-found"), "Intake Bakker.pdf") {
		t.Errorf("search page: %d %q", page.StatusCode, page.Text("#search-results"))
	}
	if short := coach.Get("/search?q=in"); strings.Contains(short.Body, "filer-found") {
		t.Error("two letters asked the plugins")
	}
	// Someone else finds nothing of the coach's files.
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	if other := kim.Get("/search?q=intake"); strings.Contains(other.Body, "Intake Bakker.pdf") {
		t.Error("another person found the coach's file")
	}
}
