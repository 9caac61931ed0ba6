package pluginhost_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// The attacks a hostile review of files found, each through HTTP.

// TestNoRequestHidesInAnothersBody: bytes of a body the server did not
// read are never taken for a request of their own (request smuggling
// through a proxy that reuses its connections).
func TestNoRequestHidesInAnothersBody(t *testing.T) {
	t.Parallel()
	app := filesApp(t, coretest.SQLite(t), "folder")
	host := strings.TrimPrefix(app.URL, "http://")
	body := strings.Repeat("A", 8192) + "GET /healthz?smuggled HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	for _, tc := range []struct{ name, head string }{
		{"GET with a body", "GET /healthz HTTP/1.1\r\n"},
		{"cross-site POST", "POST /m/filer/made HTTP/1.1\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"},
		{"upload route, not signed in", "POST /m/filer/upload HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=xx\r\n"},
		{"a wrong token in the header", "POST /signin HTTP/1.1\r\nX-CSRF-Token: nope\r\nContent-Type: application/x-www-form-urlencoded\r\n"},
	} {
		got := exchange(t, app.URL, tc.head+"Host: "+host+"\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if len(got) != 1 {
			t.Errorf("%s: one request on the wire, %d answers: %q", tc.name, len(got), got)
		}
	}
}

// exchange writes raw bytes on one connection and reads every answer.
func exchange(t *testing.T, base, raw string) []string {
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var statuses []string
	for {
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			return statuses
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		statuses = append(statuses, fmt.Sprintf("%d %s", res.StatusCode, res.Header.Get("Location")))
	}
}

// TestAPlainFormNamesNoOnesFile: a form sent without files to a route that
// takes them cannot name a file someone else uploaded, to claim it.
func TestAPlainFormNamesNoOnesFile(t *testing.T) {
	t.Parallel()
	app := filesApp(t, coretest.SQLite(t), "folder")
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "private.pdf", []byte(pdfBytes)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	id := uploadedID(t, coach)
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	path := "/m/filer/f/" + strconv.FormatInt(id, 10)
	kim.PostForm("/m/filer/upload", url.Values{"doc": {strconv.FormatInt(id, 10)}})
	if got := kim.Get(path); got.StatusCode != http.StatusNotFound {
		t.Errorf("the coachee took the coach's file: %d", got.StatusCode)
	}
	if list := coach.Get("/m/filer/").Text("#files"); !strings.Contains(list, "private.pdf") {
		t.Errorf("the coach's file left the coach's box: %q", list)
	}
}

// TestAnUploadWithoutItsTokenReachesNobody: a multipart form without its
// token, broken or whole, never reaches the plugin; nor does one sent with
// another method to the path of a route that takes files.
func TestAnUploadWithoutItsTokenReachesNobody(t *testing.T) {
	t.Parallel()
	bin, filer := coretest.BuildPlugin(t, "core/pluginhost/testdata/evil"), coretest.BuildPlugin(t, "core/pluginhost/testdata/filer")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin, filer) }})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/m/filer/upload", "--xx\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--xx\r\nbroken"},
		{http.MethodPost, "/m/filer/upload", "no boundary at all"},
		{http.MethodPut, "/m/evil/item/7", "--xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--xx--\r\n"},
	} {
		req, _ := http.NewRequest(tc.method, app.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=xx")
		if res := kim.Do(req); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s without its token: %d %q", tc.method, tc.path, res.StatusCode, res.Body)
		}
	}
}

// TestAnUploadIsNeverHeldWhole: an upload with a forged token is refused
// before its bytes are read, and a large one never sits in memory.
func TestAnUploadIsNeverHeldWhole(t *testing.T) {
	t.Parallel()
	app := filesApp(t, coretest.SQLite(t), "folder")
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	const size = 128 << 20
	head := "--xx\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nforged\r\n" +
		"--xx\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
	tail := "\r\n--xx--\r\n"
	req, _ := http.NewRequest(http.MethodPost, app.URL+"/m/filer/upload",
		io.MultiReader(strings.NewReader(head), io.LimitReader(filler{}, size), strings.NewReader(tail)))
	req.ContentLength = int64(len(head) + size + len(tail))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xx")
	grown := watchHeap()
	req.Header.Set("Cookie", kim.CookieHeader())
	// The server may answer and close before the client has written it
	// all: the client then sees its write fail, which is the refusal too.
	res, err := http.DefaultClient.Do(req)
	peak := grown()
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("a forged token: %d", res.StatusCode)
		}
	}
	if peak > 64<<20 {
		t.Errorf("the upload's body was held in memory: the heap grew by %d MiB", peak>>20)
	}
}

// watchHeap samples the heap until the function it returns is called, which
// tells by how much it grew at the most since the call (the server runs in
// the test's process).
func watchHeap() func() int64 {
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if g := int64(ms.HeapInuse) - int64(base.HeapInuse); g > peak.Load() {
					peak.Store(g)
				}
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestAPluginReachesOnlyItsOwnFiles: another plugin, naming the filer's
// file by id, can neither send, describe, read, claim nor delete it.
func TestAPluginReachesOnlyItsOwnFiles(t *testing.T) {
	t.Parallel()
	filer, evil := coretest.BuildPlugin(t, "core/pluginhost/testdata/filer"), coretest.BuildPlugin(t, "core/pluginhost/testdata/evil")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, filer, evil) }})
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	if res := coach.PostFile("/m/filer/upload", url.Values{}, "doc", "private.pdf", []byte(pdfBytes)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	id := strconv.FormatInt(uploadedID(t, coach), 10)
	if res := coach.Get("/m/evil/send/" + id); res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, "%PDF") {
		t.Errorf("another plugin sent the file: %d", res.StatusCode)
	}
	if got := coach.Get("/m/evil/probe/" + id).Body; !strings.HasPrefix(got, "get 0 <nil>; open sdk: not found; claim 0 <nil>; delete sdk: not found") {
		t.Errorf("another plugin reached the file: %q", got)
	}
	if got := coach.Get("/m/filer/f/" + id); got.StatusCode != http.StatusOK {
		t.Errorf("the file is gone or moved: %d", got.StatusCode)
	}
}
