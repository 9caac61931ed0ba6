// Code generated from plugins/scaffold/skeleton (go test ./plugins/scaffold -update); DO NOT EDIT.

package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestThePluginInAtrium starts Atrium on SQLite with this plugin, built as it
// ships, and uses it as a coach would: the page, a refused and a kept note,
// the start-page tile.
func TestThePluginInAtrium(t *testing.T) {
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
	}})
	c := app.Client(t)
	c.SignIn("coach@harbour.example")
	if page := c.Get("/m/example/"); page.StatusCode != 200 || page.Text("main h1") != "Example" {
		t.Fatalf("the page: %d %q", page.StatusCode, page.Text("main h1"))
	}
	if res := c.PostForm("/m/example/", url.Values{"text": {" "}}); res.StatusCode != 422 || res.Text(".field-error") == "" {
		t.Errorf("an empty note: %d", res.StatusCode)
	}
	if res := c.PostForm("/m/example/", url.Values{"text": {"First note"}}); res.StatusCode != 303 {
		t.Errorf("a note: %d", res.StatusCode)
	}
	if notes := c.Get("/m/example/").Text("main"); !strings.Contains(notes, "First note") {
		t.Errorf("the note is not listed: %q", notes)
	}
	if tile := c.Get("/").Text(".plugin-slot"); tile == "" {
		t.Error("no start-page tile")
	}
}
