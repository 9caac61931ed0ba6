package pluginhost_test

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/tenancy"
)

// BenchmarkFiles100MB uploads and downloads a 100 MB file through a
// plugin's form and page (the host streams both), against cp of the same
// file, with the folder and with S3; it reports each rate and the peak
// growth of the server's heap (the server runs in this process).
func BenchmarkFiles100MB(b *testing.B) {
	const size = 100 << 20
	src := filepath.Join(b.TempDir(), "big.pdf")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = f.WriteString(pdfBytes)
	_, _ = io.CopyN(f, filler{}, size-int64(len(pdfBytes)))
	_ = f.Close()
	start := time.Now()
	if err := exec.Command("cp", src, src+".copy").Run(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(size/time.Since(start).Seconds()/1e6, "cp-MB/s")
	for _, store := range []string{"folder", "s3"} {
		b.Run(store, func(b *testing.B) {
			bin := coretest.BuildPlugin(b, "core/pluginhost/testdata/filer")
			app := coretest.NewApp(b, coretest.SQLite(b), coretest.Options{Config: func(c *config.Config) {
				coretest.WithPlugins(b, c, true, bin)
				c.Files.MaxFileMB = 200
				if store == "s3" {
					c.Files = coretest.S3(b)
					c.Files.MaxFileMB = 200
				}
			}})
			org := app.DemoOrg(b)
			sub, _ := app.Organisations().Subscription(b.Context(), org)
			_ = app.Organisations().SetSubscription(b.Context(), org, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: sub.MaxPeople, StorageMB: 100_000}, app.Modules().IDs())
			coach := app.Client(b)
			coach.SignIn("coach@harbour.example")
			var up, down time.Duration
			grown := watchHeap()
			for b.Loop() {
				t0 := time.Now()
				if status := uploadFile(b, app.URL, coach, src); status != http.StatusSeeOther {
					b.Fatalf("upload: %d", status)
				}
				up += time.Since(t0)
				id := uploadedID(b, coach)
				t0 = time.Now()
				req, _ := http.NewRequest(http.MethodGet, app.URL+"/m/filer/f/"+strconv.FormatInt(id, 10), nil)
				req.Header.Set("Cookie", coach.CookieHeader())
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if n != size {
					b.Fatalf("downloaded %d bytes", n)
				}
				down += time.Since(t0)
				coach.PostForm("/m/filer/delete/"+strconv.FormatInt(id, 10), url.Values{})
			}
			peak := grown()
			b.ReportMetric(float64(b.N)*size/up.Seconds()/1e6, "up-MB/s")
			b.ReportMetric(float64(b.N)*size/down.Seconds()/1e6, "down-MB/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// uploadFile streams a file as a browser's form would, never holding it.
func uploadFile(b *testing.B, base string, c *coretest.Client, path string) int {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		_ = w.WriteField("_csrf", c.CSRF())
		part, _ := w.CreateFormFile("doc", filepath.Base(path))
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		_, _ = io.Copy(part, f)
		pw.CloseWithError(w.Close())
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/m/filer/big", pr)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Cookie", c.CookieHeader())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
