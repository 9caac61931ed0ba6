package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/plugins/sdk"
	"github.com/atriumhq/atrium/plugins/sdk/sdktest"
)

// TestHandlers calls the chat's pages against the SDK's fake host: Kim
// writes to her coach (bad input refused), the message reaches both tabs
// and waits unread for the coach, who reads it; edits are one's own, and
// what is not a person's is a 404.
func TestHandlers(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Chris Coach", Roles: []string{"coach"}})
	kim := h.AddPerson(sdktest.Person{Name: "Kim Bakker", Roles: []string{"coachee"}})
	other := h.AddPerson(sdktest.Person{Name: "Alex Other", Roles: []string{"coachee"}})
	h.AddDossier(sdktest.Dossier{Name: "Kim Bakker", Person: kim, Coach: coach, Levels: map[int64]sdk.Level{coach: "manage", kim: "contribute"}})

	k := h.As(kim)
	if res := k.Get("/start?coach=1"); res.Status != 200 || !strings.Contains(res.Body, "Chris Coach") {
		t.Errorf("the start page: %d %s", res.Status, res.Body)
	}
	res := k.PostForm("/start", url.Values{"coach": {"1"}})
	if res.Status != 303 || !strings.HasPrefix(res.Location, "/m/chat/c/") {
		t.Fatalf("starting: %d %q", res.Status, res.Location)
	}
	where := strings.TrimPrefix(res.Location, "/m/chat")
	send := func(c *sdktest.Caller, body string) *sdktest.Response {
		return c.Do(sdktest.Request{Method: "POST", Path: where + "/messages", Form: url.Values{"body": {body}}, HTMX: true})
	}
	if res := send(k, "  "); res.Status != 422 || !strings.Contains(res.Body, "chat-error") {
		t.Errorf("an empty message: %d", res.Status)
	}
	if res := send(k, strings.Repeat("x", 4001)); res.Status != 413 {
		t.Errorf("a message too long: %d", res.Status)
	}
	if res := send(k, "Hello <b>@chris</b>"); res.Status != 200 {
		t.Fatalf("sending: %d %s", res.Status, res.Body)
	}
	if p := h.Published(); len(p) != 2 || !strings.Contains(p[0].HTML, "Hello &lt;b&gt;") {
		t.Errorf("published: %+v", p)
	}
	if h.Count(coach) != 1 || len(h.Notices()) != 1 || h.Notices()[0].To != coach {
		t.Errorf("waiting for the coach: %d, notices %+v", h.Count(coach), h.Notices())
	}
	if res := h.As(coach).Get(where); res.Status != 200 || !strings.Contains(res.Body, "Kim Bakker") || h.Count(coach) != 0 {
		t.Errorf("the coach reads it: %d, count %d", res.Status, h.Count(coach))
	}

	// The message's id, from the element the tabs received.
	_, mid, _ := strings.Cut(h.Published()[0].HTML, `id="chat-m`)
	mid, _, _ = strings.Cut(mid, `"`)
	for _, tc := range []struct {
		who    int64
		method string
		path   string
		want   int
	}{
		{other, "GET", where, 404},
		{other, "POST", where + "/messages", 404},
		{kim, "GET", "/c/nothing", 404},
		{kim, "GET", where + "/older?before=x", 400},
		{coach, "POST", "/m/" + mid + "/edit", 404}, // Kim's, not his
		{kim, "POST", "/m/" + mid + "/edit", 200},
		{kim, "GET", "/start?user=" + strconv.FormatInt(coach, 10), 404}, // coachees do not write to staff by name
	} {
		form := url.Values{"body": {"Changed"}}
		got := h.As(tc.who).Do(sdktest.Request{Method: tc.method, Path: tc.path, Form: form})
		if got.Status != tc.want {
			t.Errorf("%s %s by %d: %d, want %d", tc.method, tc.path, tc.who, got.Status, tc.want)
		}
	}
}

// TestSettingsHandlers sets the edit window; bad input is named and
// changes nothing.
func TestSettingsHandlers(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	admin := h.As(h.AddPerson(sdktest.Person{Name: "Ada Admin", Roles: []string{"admin"}}))
	for _, bad := range []string{"-1", "1441", "soon"} {
		if res := admin.PostForm("/settings", url.Values{"minutes": {bad}}); res.Status != 422 || !strings.Contains(res.Body, "chat-minutes-error") {
			t.Errorf("%q minutes: %d", bad, res.Status)
		}
	}
	if res := admin.PostForm("/settings", url.Values{"minutes": {"0"}}); res.Status != 303 {
		t.Fatalf("0 minutes: %d", res.Status)
	}
	if res := admin.Get("/settings"); !strings.Contains(res.Body, `value="0"`) {
		t.Errorf("the window was not kept: %s", res.Body)
	}
}
