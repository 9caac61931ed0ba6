// Package i18n owns the core's languages: its message catalogue and which
// language a request reads. Messages, plural counts and terminology (words
// such as coachee that an organisation may rename) are the SDK's messages
// package, shared with every plugin so that a plugin's messages read as the
// core's; this package adds the choice of a request's language.
//
// Example usage:
//
//	cat, _ := i18n.Load(locales.Files)
//	l := cat.Localizer(cat.Resolve(choice, acceptLanguage, orgLocale))
//	l.T("home.welcome", map[string]any{"Name": "Sam"})
//	l.T("home.dossiers", 3)   // plural form for three
//	l.Term("Coachee", 2)      // "Coachees", capitalised like the key
package i18n

import (
	"io/fs"

	"golang.org/x/text/language"

	"github.com/atriumhq/atrium/plugins/sdk/messages"
)

// Catalog is every message in every shipped language, plugins' included
// once they are added (AddMessages).
type Catalog struct {
	*messages.Catalog
	tags    []language.Tag // the shipped languages, English first
	matcher language.Matcher
}

// Localizer translates into one language; see messages.Localizer.
type Localizer = messages.Localizer

// Words are an organisation's own singular and plural for a term.
type Words = messages.Words

// TermKeys lists the terms an organisation may rename.
func TermKeys() []string { return messages.TermKeys() }

// Load reads every <language>.toml and <area>.<language>.toml in fsys.
// English must be among them: it is the language of last resort.
func Load(fsys fs.FS) (*Catalog, error) {
	cat, err := messages.Load(fsys)
	if err != nil {
		return nil, err
	}
	c := &Catalog{Catalog: cat}
	for _, code := range cat.Locales() {
		c.tags = append(c.tags, language.Make(code))
	}
	// English first, so that the matcher falls back to it.
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

// Resolve picks a request's language: the person's own choice, then the
// browser's Accept-Language, then the organisation's default, then English.
func (c *Catalog) Resolve(choice, acceptLanguage, orgDefault string) string {
	if c.Has(choice) {
		return choice
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			if _, index, conf := c.matcher.Match(tags...); conf != language.No {
				base, _ := c.tags[index].Base()
				return base.String()
			}
		}
	}
	if c.Has(orgDefault) {
		return orgDefault
	}
	return "en"
}
