package messages_test

import (
	"testing"
	"testing/fstest"

	"github.com/atriumhq/atrium/plugins/sdk/messages"
)

// files are a plugin's message files, as it embeds them.
var files = fstest.MapFS{
	"en.toml": {Data: []byte(`
hello = "Hello {{.Name}}"
welcome = "Welcome, {{.Term.Coachee}}"
[notes]
one = "{{.Count}} note"
other = "{{.Count}} notes"
`)},
	"nl.toml": {Data: []byte(`
hello = "Hallo {{.Name}}"
`)},
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	c, err := messages.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	en, nl := c.Localizer("en"), c.Localizer("nl")
	cases := []struct {
		l    *messages.Localizer
		id   string
		args []any
		want string
	}{
		{nl, "hello", []any{map[string]any{"Name": "Sam"}}, "Hallo Sam"},
		{en, "notes", []any{int64(1)}, "1 note"}, // database counts come as int64
		{en, "notes", []any{int32(3)}, "3 notes"},
		{nl, "notes", []any{2}, "notes"},                      // a gap in Dutch shows its id as well
		{c.Localizer("de"), "hello", nil, "Hello <no value>"}, // an unshipped language: English
		{en, "no.such.message", nil, "no.such.message"},       // a gap shows its id
	}
	for _, tc := range cases {
		if got := tc.l.T(tc.id, tc.args...); got != tc.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tc.l.Locale, tc.id, tc.args, got, tc.want)
		}
	}
	if got := c.Locales(); len(got) != 2 || got[0] != "en" {
		t.Errorf("locales = %v", got)
	}
}

func TestTheOrganisationsWords(t *testing.T) {
	t.Parallel()
	c, err := messages.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	plain := c.Localizer("en")
	client := plain.WithTerms(map[string]messages.Words{"coachee": {One: "client", Other: "clients"}})
	if got := client.T("welcome"); got != "Welcome, Client" {
		t.Errorf("a message with a term: %q", got)
	}
	if got := client.Term("Coachee", 2); got != "Clients" {
		t.Errorf("a capitalised plural: %q", got)
	}
	if got := plain.Term("coachee"); got != "term.coachee" {
		t.Errorf("without the organisation's words or a term message: %q", got)
	}
}

func TestBadCatalogs(t *testing.T) {
	t.Parallel()
	if _, err := messages.Load(fstest.MapFS{"nl.toml": {Data: []byte(`a = "b"`)}}); err == nil {
		t.Error("a catalog without English was accepted")
	}
	if _, err := messages.Load(fstest.MapFS{"en.toml": {Data: []byte(`a = [`)}}); err == nil {
		t.Error("broken TOML was accepted")
	}
}
