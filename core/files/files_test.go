package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/tenancy"
)

// eachStore runs fn on both databases, each with the local folder and with
// a real S3-compatible server.
func eachStore(t *testing.T, fn func(t *testing.T, app *coretest.App)) {
	for _, store := range []string{"folder", "s3"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
				app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
					if store == "s3" {
						c.Files = coretest.S3(t)
					}
				}})
				fn(t, app)
			})
		})
	}
}

// PNG is a small real image.
func PNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

func TestFilesKeepWhatTheirBytesAre(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, app *coretest.App) {
		ctx := context.Background()
		svc, org := app.Files(), app.DemoOrg(t)
		img := PNG(t)
		up := files.Upload{OrganisationID: org, Owner: "notes", Name: `C:\Users\kim\..\..\etc/passwd\photo 1.png`, Accept: []string{"image"}}
		f, err := svc.Store(ctx, up, bytes.NewReader(img))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(img)
		if f.ContentType != "image/png" || f.Size != int64(len(img)) || f.SHA256 != hex.EncodeToString(sum[:]) || f.Name != "photo 1.png" {
			t.Errorf("stored as %+v", f)
		}
		got, err := svc.Get(ctx, org, f.ID)
		if err != nil || got.Key != f.Key {
			t.Fatalf("get: %v %+v", err, got)
		}
		whole := read(t, svc, got, 0, -1)
		if !bytes.Equal(whole, img) {
			t.Error("the bytes read back differ")
		}
		if part := read(t, svc, got, 10, 20); !bytes.Equal(part, img[10:30]) {
			t.Errorf("bytes 10-29: %x, want %x", part, img[10:30])
		}
		if tail := read(t, svc, got, int64(len(img)-5), -1); !bytes.Equal(tail, img[len(img)-5:]) {
			t.Errorf("the last five bytes: %x", tail)
		}
		// Another organisation's file is not found, nor another owner's.
		other := app.Organisation(t, "elsewhere", "Elsewhere")
		if _, err := svc.Get(ctx, other.ID, f.ID); !errors.Is(err, files.ErrNotFound) {
			t.Errorf("another organisation's file: %v", err)
		}
		if _, err := svc.GetOwned(ctx, org, "chat", f.ID); !errors.Is(err, files.ErrNotFound) {
			t.Errorf("another module's file: %v", err)
		}
		// Claimed, listed by its record, deleted.
		if n, err := svc.Claim(ctx, org, "notes", 0, []int64{f.ID}, "note:7", nil); err != nil || n != 1 {
			t.Fatalf("claim: %d %v", n, err)
		}
		if n, _ := svc.Claim(ctx, org, "chat", 0, []int64{f.ID}, "room:1", nil); n != 0 {
			t.Error("another module claimed the file")
		}
		if list, err := svc.List(ctx, org, "notes", "note:7"); err != nil || len(list) != 1 || list[0].ID != f.ID {
			t.Errorf("list: %v %+v", err, list)
		}
		if err := svc.Delete(ctx, org, "notes", f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Backend().Open(ctx, f.Key, 0, -1); err == nil {
			t.Error("the bytes of a deleted file are still there")
		}
	})
}

func TestFilesRefuseWhatTheUseDoesNotTake(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, app *coretest.App) {
		ctx := context.Background()
		svc, org := app.Files(), app.DemoOrg(t)
		for _, tc := range []struct {
			name   string
			up     files.Upload
			body   string
			refuse error
		}{
			{"html named pdf", files.Upload{Name: "report.pdf", Accept: []string{"pdf"}}, "<!DOCTYPE html><html><script>alert(1)</script></html>", files.ErrType},
			{"a script as an image", files.Upload{Name: "me.png", Accept: []string{"image"}}, "#!/bin/sh\nrm -rf /\n", files.ErrType},
			{"svg by default", files.Upload{Name: "logo.svg"}, `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, files.ErrType},
			{"html by default", files.Upload{Name: "page.html"}, "<!DOCTYPE html><html><body>hi</body></html>", files.ErrType},
			{"empty", files.Upload{Name: "empty.pdf", Accept: []string{"pdf"}}, "", files.ErrEmpty},
			{"too large for the use", files.Upload{Name: "big.pdf", Accept: []string{"pdf"}, MaxBytes: 100}, pdf + strings.Repeat("x", 200), files.ErrTooLarge},
		} {
			tc.up.OrganisationID, tc.up.Owner = org, "notes"
			if _, err := svc.Store(ctx, tc.up, strings.NewReader(tc.body)); !errors.Is(err, tc.refuse) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.refuse)
			}
		}
		if n := count(t, app, org); n != 0 {
			t.Errorf("%d files were kept of refused uploads", n)
		}
		// A use that names HTML takes it (it is served under a sandbox).
		if f, err := svc.Store(ctx, files.Upload{OrganisationID: org, Owner: "notes", Name: "page.html", Accept: []string{"text/html"}},
			strings.NewReader("<!DOCTYPE html><html><body>hi</body></html>")); err != nil || !strings.HasPrefix(f.ContentType, "text/html") {
			t.Errorf("html where named: %v", err)
		}
	})
}

func TestFilesStayWithinTheSubscriptionsStorage(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, app *coretest.App) {
		ctx := context.Background()
		svc, org := app.Files(), app.DemoOrg(t)
		orgs := app.Organisations()
		sub, err := orgs.Subscription(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		plan := tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: sub.MaxPeople, StorageMB: 1, MaxFileMB: 1}
		if err := orgs.SetSubscription(ctx, org, plan, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		body := pdf + strings.Repeat("x", 600<<10)
		up := files.Upload{OrganisationID: org, Owner: "notes", Name: "a.pdf", Accept: []string{"pdf"}}
		if _, err := svc.Store(ctx, up, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Store(ctx, up, strings.NewReader(body)); !errors.Is(err, files.ErrQuota) {
			t.Errorf("beyond the storage: %v", err)
		}
		// The subscription's largest file binds too.
		plan.StorageMB = 10
		if err := orgs.SetSubscription(ctx, org, plan, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Store(ctx, up, strings.NewReader(pdf+strings.Repeat("x", 1100<<10))); !errors.Is(err, files.ErrTooLarge) {
			t.Errorf("beyond the subscription's largest file: %v", err)
		}
		if n := count(t, app, org); n != 1 {
			t.Errorf("%d files kept, want the first only", n)
		}
	})
}

func read(t *testing.T, svc *files.Service, f *files.File, offset, length int64) []byte {
	t.Helper()
	rc, err := svc.Open(context.Background(), f, offset, length)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t *testing.T, app *coretest.App, org int64) int {
	t.Helper()
	n, err := app.DB().NewSelect().Model((*files.File)(nil)).Where("organisation_id = ?", org).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}
