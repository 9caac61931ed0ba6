package i18n_test

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/locales"
	"github.com/atriumhq/atrium/themes"
)

func catalog(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load(locales.Files)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnglishAndDutchAreComplete(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	en, nl := c.MessageIDs("en"), c.MessageIDs("nl")
	if len(en) < 50 {
		t.Fatalf("only %d English messages", len(en))
	}
	for _, id := range en {
		if !slices.Contains(nl, id) {
			t.Errorf("nl.toml lacks %s", id)
		}
	}
	for _, id := range nl {
		if !slices.Contains(en, id) {
			t.Errorf("nl.toml has %s, which en.toml lacks", id)
		}
	}
}

// TestTemplatesUseOnlyKnownMessages reads every literal {{t "…"}} in the
// shipped themes and checks that English has it.
func TestTemplatesUseOnlyKnownMessages(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	en := c.MessageIDs("en")
	literal := regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"`)
	found := 0
	err := fs.WalkDir(themes.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !regexp.MustCompile(`\.html$`).MatchString(path) {
			return err
		}
		data, _ := fs.ReadFile(themes.Files, path)
		for _, m := range literal.FindAllStringSubmatch(string(data), -1) {
			found++
			if !slices.Contains(en, m[1]) {
				t.Errorf("%s uses unknown message %q", path, m[1])
			}
		}
		return nil
	})
	if err != nil || found < 10 {
		t.Fatalf("walked the themes: %v, %d messages", err, found)
	}
}

func TestTranslateWithPluralsAndData(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	nl := c.Localizer("nl")
	if got := nl.T("home.heading", map[string]any{"Name": "Zorg & Co"}); got != "Welkom bij Zorg & Co" {
		t.Errorf("data: %q", got)
	}
	// Database counts come as int64; they choose the plural form all the same.
	en := c.Localizer("en")
	if one, many := en.T("account.security.codes_left", int64(1)), en.T("account.security.codes_left", int64(3)); !strings.Contains(one, "1 unused backup code.") || !strings.Contains(many, "3 unused backup codes") {
		t.Errorf("int64 counts: %q, %q", one, many)
	}
	if got := nl.T("no.such.message"); got != "no.such.message" {
		t.Errorf("a missing message should show its id, got %q", got)
	}
	if got := c.Localizer("de").T("nav.home"); got != "Home" {
		t.Errorf("an unshipped language falls back to English: %q", got)
	}
	cases := []struct {
		loc, key string
		count    []int
		want     string
	}{
		{"en", "coachee", nil, "coachee"},
		{"en", "coachee", []int{2}, "coachees"},
		{"en", "Coachee", []int{2}, "Coachees"},
		{"en", "trajectory", []int{0}, "trajectories"},
		{"nl", "assignment", []int{1}, "opdracht"},
		{"nl", "Assignment", []int{5}, "Opdrachten"},
	}
	for _, tc := range cases {
		if got := c.Localizer(tc.loc).Term(tc.key, tc.count...); got != tc.want {
			t.Errorf("%s Term(%q, %v) = %q, want %q", tc.loc, tc.key, tc.count, got, tc.want)
		}
	}
}

func TestResolveOrder(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	cases := []struct{ choice, accept, org, want string }{
		{"nl", "en", "en", "nl"},                    // the person's choice wins
		{"", "nl-NL,nl;q=0.9,en;q=0.8", "en", "nl"}, // then the browser
		{"", "fr-FR, de;q=0.8", "nl", "nl"},         // then the organisation
		{"xx", "", "", "en"},                        // then English
		{"", "not a header;;;", "nl", "nl"},         // a broken header is ignored
	}
	for _, tc := range cases {
		if got := c.Resolve(tc.choice, tc.accept, tc.org); got != tc.want {
			t.Errorf("Resolve(%q, %q, %q) = %q, want %q", tc.choice, tc.accept, tc.org, got, tc.want)
		}
	}
	if got := c.Locales(); !slices.Equal(got, []string{"en", "nl"}) {
		t.Errorf("locales = %v", got)
	}
}

func TestMessagesUseTheOrganisationsWords(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	plain := c.Localizer("en")
	if got := plain.T("role.coachee"); got != "Coachee" {
		t.Errorf("default role name: %q", got)
	}
	client := plain.WithTerms(map[string]i18n.Words{"coachee": {One: "client", Other: "clients"}})
	if got := client.T("role.coachee"); got != "Client" {
		t.Errorf("renamed role: %q", got)
	}
	if got := client.Term("coachee", 3); got != "clients" {
		t.Errorf("renamed term: %q", got)
	}
	if got := plain.T("role.coachee"); got != "Coachee" {
		t.Error("WithTerms changed the shared localizer")
	}
}
