// Package messages owns the messages of the core and of every plugin alike:
// the catalogue (go-i18n, TOML files with dotted keys), translating with
// plural counts, and terminology: words such as coachee that an
// organisation may rename. It lives in the SDK's module so that a plugin's
// messages read exactly as the core's without the plugin importing the
// core; the core's i18n builds on it and adds what only the core needs
// (choosing a request's language). Plugins reach it through the SDK's
// Request (T, TFor, Term); it is no part of the wire contract.
//
// Example usage:
//
//	cat, _ := messages.Load(files)
//	l := cat.Localizer("nl")
//	l.T("home.welcome", map[string]any{"Name": "Sam"})
//	l.T("home.dossiers", 3)   // plural form for three
//	l.Term("Coachee", 2)      // "Coachees", capitalised like the key
package messages

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Catalog is every message in every shipped language.
// Since contract v1.6.
type Catalog struct {
	bundle     *goi18n.Bundle
	tags       []language.Tag
	localizers map[string]*Localizer
	ids        map[string][]string // language → message ids, for completeness checks
	// withTerms marks messages that use the organisation's words
	// ({{.Term.Coachee}}, {{.Terms.coachee}}); only they get the words as data.
	withTerms map[string]bool
}

// Load reads every <language>.toml and <area>.<language>.toml in fsys. English must be among them: it is
// the language of last resort.
// Since contract v1.6.
func Load(fsys fs.FS) (*Catalog, error) {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	c := &Catalog{bundle: bundle, localizers: map[string]*Localizer{}, ids: map[string][]string{}, withTerms: map[string]bool{}}
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		mf, err := bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("messages: %s: %w", name, err)
		}
		// "en.toml" or "<area>.en.toml": an area's messages may keep a file of their own.
		base, _ := mf.Tag.Base()
		lang := base.String()
		for _, m := range mf.Messages {
			c.ids[lang] = append(c.ids[lang], m.ID)
			if strings.Contains(m.One+m.Other, ".Term") {
				c.withTerms[m.ID] = true
			}
		}
		sort.Strings(c.ids[lang])
	}
	c.tags = bundle.LanguageTags()
	if _, ok := c.ids["en"]; !ok {
		return nil, fmt.Errorf("messages: en.toml is missing; English is the language of last resort")
	}
	// English first: the language of last resort leads every list.
	sort.SliceStable(c.tags, func(i, j int) bool { return c.tags[i] == language.English })
	for _, tag := range c.tags {
		base, _ := tag.Base()
		c.localizers[base.String()] = &Localizer{Locale: base.String(), l: goi18n.NewLocalizer(bundle, tag.String()), withTerms: c.withTerms}
	}
	return c, nil
}

// AddMessages merges a message file (a plugin's) into a shipped language.
// Call it before serving: the catalog is read without locks afterwards.
// Since contract v1.6.
func (c *Catalog) AddMessages(locale string, toml []byte) error {
	if !c.Has(locale) {
		return nil // a language Atrium does not ship is ignored
	}
	mf, err := c.bundle.ParseMessageFileBytes(toml, locale+".toml")
	if err != nil {
		return fmt.Errorf("messages: %s messages: %w", locale, err)
	}
	for _, m := range mf.Messages {
		c.ids[locale] = append(c.ids[locale], m.ID)
		if strings.Contains(m.One+m.Other, ".Term") {
			c.withTerms[m.ID] = true
		}
	}
	return nil
}

// Locales lists the shipped languages by their two-letter code, English first.
// Since contract v1.6.
func (c *Catalog) Locales() []string {
	out := make([]string, 0, len(c.tags))
	for _, tag := range c.tags {
		base, _ := tag.Base()
		out = append(out, base.String())
	}
	return out
}

// Has tells whether locale is shipped.
// Since contract v1.6.
func (c *Catalog) Has(locale string) bool {
	_, ok := c.localizers[locale]
	return ok
}

// MessageIDs lists the ids in one language's file, sorted.
// Since contract v1.6.
func (c *Catalog) MessageIDs(locale string) []string { return c.ids[locale] }

// Localizer returns the translator for a shipped locale, English otherwise.
// Since contract v1.6.
func (c *Catalog) Localizer(locale string) *Localizer {
	if l, ok := c.localizers[locale]; ok {
		return l
	}
	return c.localizers["en"]
}

// Localizer translates into one language. It is safe for concurrent use.
// Since contract v1.6.
type Localizer struct {
	// Locale is the two-letter code, such as "nl".
	Locale    string
	l         *goi18n.Localizer
	terms     map[string]Words
	withTerms map[string]bool
}

// Words are an organisation's own singular and plural for a term.
// Since contract v1.6.
type Words struct{ One, Other string }

// WithTerms returns a Localizer that uses an organisation's own words for the
// terms it renamed; every other message is unchanged.
// Since contract v1.6.
func (l *Localizer) WithTerms(terms map[string]Words) *Localizer {
	if len(terms) == 0 {
		return l
	}
	c := *l
	c.terms = terms
	return &c
}

// T translates the message id. Arguments: an integer (int, int32 or int64,
// as database counts come) selects the plural form and is available as
// {{.Count}}; a map[string]any supplies other template data. A
// missing message shows its id, so the gap is visible rather than silent.
// Since contract v1.6.
func (l *Localizer) T(id string, args ...any) string {
	cfg := goi18n.LocalizeConfig{MessageID: id}
	var data map[string]any
	for _, a := range args {
		switch v := a.(type) {
		case int64:
			a = int(v)
		case int32:
			a = int(v)
		}
		switch v := a.(type) {
		case int:
			cfg.PluralCount = v
			if data == nil {
				data = map[string]any{}
			}
			data["Count"] = v
		case map[string]any:
			if data == nil {
				data = map[string]any{}
			}
			for k, x := range v {
				data[k] = x
			}
		}
	}
	if l.withTerms[id] {
		if data == nil {
			data = map[string]any{}
		}
		data["Term"], data["Terms"] = l.wordsFor(1), l.wordsFor(2)
	}
	if data != nil {
		cfg.TemplateData = data
	}
	s, err := l.l.Localize(&cfg)
	if err != nil {
		return id
	}
	return s
}

// wordsFor gives every term in the singular (n = 1) or plural, under its key
// ("coachee") and capitalised ("Coachee"), for messages that use them.
func (l *Localizer) wordsFor(n int) map[string]string {
	out := map[string]string{}
	for _, k := range TermKeys() {
		out[k] = l.Term(k, n)
		out[strings.ToUpper(k[:1])+k[1:]] = l.Term(strings.ToUpper(k[:1])+k[1:], n)
	}
	return out
}

// TermKeys lists the terms an organisation may rename.
// Since contract v1.6.
func TermKeys() []string {
	return []string{"coach", "coachee", "assignment", "team", "trajectory", "dossier", "forum", "organisation"}
}

// Term gives the organisation's word for a term such as "coachee", singular
// unless count is other than one. A key written with a capital ("Coachee")
// gives a capitalised word. Organisations' own words arrive with tenancy; until
// then the words come from the term.* messages.
// Since contract v1.6.
func (l *Localizer) Term(key string, count ...int) string {
	n := 1
	if len(count) > 0 {
		n = count[0]
	}
	first, _ := utf8.DecodeRuneInString(key)
	var word string
	if w, ok := l.terms[strings.ToLower(key)]; ok {
		word = w.Other
		if n == 1 {
			word = w.One
		}
	} else {
		word = l.T("term."+strings.ToLower(key), n)
	}
	if unicode.IsUpper(first) {
		r, rs := utf8.DecodeRuneInString(word)
		word = string(unicode.ToUpper(r)) + word[rs:]
	}
	return word
}
