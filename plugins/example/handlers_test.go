// Code generated from plugins/scaffold/skeleton (go test ./plugins/scaffold -update); DO NOT EDIT.

package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/plugins/sdk"
	"github.com/atriumhq/atrium/plugins/sdk/sdktest"
)

// TestPages calls the module's pages as the host would, against the SDK's
// fake host (no binary, no Atrium): the page, a refused and a kept note,
// and what a kept note leaves behind.
func TestPages(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey Coach", Roles: []string{"coach"}})
	c := h.As(coach)

	if page := c.Get("/"); page.Status != 200 || page.Title != "Example" || !strings.Contains(page.Body, "Hello Casey Coach") {
		t.Fatalf("the page: %d %q\n%s", page.Status, page.Title, page.Body)
	}
	if res := c.PostForm("/", url.Values{"text": {" "}}); res.Status != 422 || !strings.Contains(res.Body, "field-error") {
		t.Errorf("an empty note: %d", res.Status)
	}
	res := c.PostForm("/", url.Values{"text": {"First note"}})
	if res.Status != 303 || res.Location != "/m/example/" {
		t.Fatalf("a note: %d %q", res.Status, res.Location)
	}
	if page := c.Get(res.Location); !strings.Contains(page.Body, "First note") {
		t.Errorf("the note is not listed:\n%s", page.Body)
	}
	if a := h.Audited(); len(a) != 1 || a[0].Action != "example.note_added" || a[0].By != coach {
		t.Errorf("audited: %+v", a)
	}
	if e := h.Emitted(); len(e) != 1 || e[0].Name != "example.note_added" {
		t.Errorf("emitted: %+v", e)
	}
	// Someone whose roles do not hold example.view sees no tile.
	client := h.AddPerson(sdktest.Person{Name: "Robin", Roles: []string{"employer_contact"}})
	if tile, err := h.As(client).Slot("home.tile", nil); err != nil || tile != "" {
		t.Errorf("a tile for someone without the permission: %q %v", tile, err)
	}
}

// TestDossierNotes adds notes from a dossier's card at each level a person
// may have there.
func TestDossierNotes(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Casey Coach", Roles: []string{"coach"}})
	viewer := h.AddPerson(sdktest.Person{Name: "Vic Viewer", Roles: []string{"coach"}})
	dossier := h.AddDossier(sdktest.Dossier{Name: "Robin", Levels: map[int64]sdk.Level{coach: "contribute", viewer: "view"}})
	path := "/dossiers/" + strconv.FormatInt(dossier, 10) + "/notes"
	cases := []struct {
		who      int64
		status   int
		location string
	}{
		{coach, 303, "/dossiers/" + strconv.FormatInt(dossier, 10)},
		{viewer, 403, ""},
		{h.AddPerson(sdktest.Person{Name: "Stranger", Roles: []string{"coach"}}), 404, ""},
	}
	for _, tc := range cases {
		if res := h.As(tc.who).PostForm(path, url.Values{"text": {"A note"}}); res.Status != tc.status || res.Location != tc.location {
			t.Errorf("person %d: %d %q, want %d %q", tc.who, res.Status, res.Location, tc.status, tc.location)
		}
	}
	// The card shows the note as new to the viewer, and read to its author.
	card := func(who int64, level string) string {
		html, err := h.As(who).Slot("dossier.card", map[string]string{"dossier_id": strconv.FormatInt(dossier, 10), "level": level})
		if err != nil {
			t.Fatal(err)
		}
		return string(html)
	}
	if html := card(viewer, "view"); !strings.Contains(html, "dot-new") || strings.Contains(html, "<form") {
		t.Errorf("the viewer's card:\n%s", html)
	}
	if html := card(coach, "contribute"); !strings.Contains(html, "dot-read") || !strings.Contains(html, "<form") {
		t.Errorf("the author's card:\n%s", html)
	}
}
