package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/coretest"
)

// TestBrowserShell drives the real pages in headless Chromium: the home page
// renders with its assets, a boosted link swaps the main area without a full
// reload, a missing page shows the 404 inside the layout, and the language
// form works as a plain form.
func TestBrowserShell(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := coretest.Browser(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("main h1")); err != nil {
		t.Fatal(err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text("main h1"))
	if err != nil || heading != "Welcome to Harbour Coaching" {
		t.Fatalf("home h1 = %q, %v", heading, err)
	}
	// The stylesheet applied (the navigation column is a grid column) and htmx loaded.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof htmx === "object" && getComputedStyle(document.querySelector(".frame")).display === "grid"`))
	if err != nil || !loaded {
		t.Fatalf("htmx or stylesheet not loaded: %v %v", loaded, err)
	}

	// Mark this document; a full reload would lose the mark.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameDocument = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`#nav a[href="/about"]`),
		chromedp.Poll[chromedp.Void](`document.querySelector("main h1") && document.querySelector("main h1").textContent === "About Atrium"`),
	); err != nil {
		t.Fatal(err)
	}
	// Focus moves once htmx has settled the swap, a moment after it.
	_ = coretest.Until(ctx, `document.activeElement && document.activeElement.tagName === "H1"`)
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		same: window.__sameDocument === true,
		path: location.pathname,
		title: document.title,
		current: document.querySelector('#nav [aria-current="page"]').getAttribute("href"),
		focused: document.activeElement && document.activeElement.tagName
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if state["same"] != true {
		t.Error("the boosted link reloaded the whole page")
	}
	if state["path"] != "/about" || state["title"] != "About · Harbour Coaching" {
		t.Errorf("address or title not updated: %v", state)
	}
	if state["current"] != "/about" {
		t.Errorf("navigation still marks %v as current", state["current"])
	}
	if state["focused"] != "H1" {
		t.Errorf("focus should move to the new heading, is on %v", state["focused"])
	}

	// Back restores the previous page.
	if err := chromedp.Do(ctx, chromedp.NavigateBack(),
		chromedp.Poll[chromedp.Void](`document.querySelector("main h1").textContent.startsWith("Welcome")`)); err != nil {
		t.Fatalf("back: %v", err)
	}

	// A missing page renders inside the layout.
	if err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/missing/page"), chromedp.WaitVisible("main h1")); err != nil {
		t.Fatal(err)
	}
	notFound, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		h1: document.querySelector("main h1").textContent,
		nav: document.querySelectorAll("#nav a").length,
		brand: document.querySelector(".brand-name").textContent
	})`))
	if err != nil || notFound["h1"] != "Page not found" || notFound["nav"] != float64(2) || notFound["brand"] != "Harbour Coaching" {
		t.Fatalf("404 in layout: %v %v", notFound, err)
	}

	// The language form, opened from the user menu with the keyboard.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/about"),
		chromedp.Focus(".usermenu summary"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible("#locale"),
		chromedp.SetValue("#locale", "nl"),
		chromedp.Click(`.usermenu button[type=submit]`),
	); err != nil {
		t.Fatal(err)
	}
	if err := coretest.Until(ctx, `document.querySelector("main h1").textContent === "Over Atrium"`); err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(".flash"))
	if err != nil || !strings.Contains(flash, "gewijzigd") {
		t.Errorf("flash after changing language: %q %v", flash, err)
	}
}

// TestBrowserNarrowScreenFoldsNavigation checks the responsive layout: on a
// phone-sized screen the navigation keeps its icons and hides its words.
func TestBrowserNarrowScreenFoldsNavigation(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := coretest.Browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("main h1")); err != nil {
		t.Fatal(err)
	}
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		nav: document.querySelector("#nav").getBoundingClientRect().width,
		label: document.querySelector("#nav .label").getBoundingClientRect().width,
		icon: document.querySelector("#nav .icon").getBoundingClientRect().width,
		overflow: document.documentElement.scrollWidth > window.innerWidth
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if sizes["nav"].(float64) > 80 || sizes["label"].(float64) > 1 || sizes["icon"].(float64) < 16 || sizes["overflow"] == true {
		t.Errorf("narrow layout: %v", sizes)
	}
}
