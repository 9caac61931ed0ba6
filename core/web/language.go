package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/tenancy"
)

const (
	languageCookie = "atrium_lang"
	localLocalizer = "atrium.localizer"
)

// Localizer is the request's translator, chosen by the language middleware.
func Localizer(c fiber.Ctx) *i18n.Localizer {
	l, _ := c.Locals(localLocalizer).(*i18n.Localizer)
	return l
}

// language resolves the request's language: the person's choice (cookie, and
// once there are accounts, their profile), Accept-Language, the organisation's
// default, English.
func (s *Server) language(c fiber.Ctx) error {
	choice := c.Cookies(languageCookie)
	if v := CurrentViewer(c); v != nil && v.User.Locale != "" {
		choice = v.User.Locale // the profile's language is the person's choice
	}
	locale := s.catalog.Resolve(choice, c.Get(fiber.HeaderAcceptLanguage), s.orgLocale(c))
	loc := s.catalog.Localizer(locale)
	if v := CurrentViewer(c); v.Complete() && v.Org != nil && s.orgs != nil { // the password alone gets the visitors' words
		words, err := s.orgs.TermsIn(c.Context(), v.Lineage, locale)
		if err != nil {
			return err
		}
		loc = loc.WithTerms(toWords(words))
	}
	c.Locals(localLocalizer, loc)
	c.Set(fiber.HeaderContentLanguage, locale)
	return c.Next()
}

// LanguagePost stores the chosen language and returns to the page the form was on.
func (s *Server) LanguagePost(c fiber.Ctx) error {
	choice := c.FormValue("locale")
	if !s.catalog.Has(choice) {
		SetFlash(c, "error", "language.unknown")
		return c.Redirect().Status(fiber.StatusSeeOther).To(LocalPath(c.FormValue("next")))
	}
	c.Cookie(&fiber.Cookie{
		Name: languageCookie, Value: choice, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	c.Locals(localLocalizer, s.catalog.Localizer(choice))
	if v := CurrentViewer(c); v != nil && s.ids != nil {
		if err := s.ids.SetLocale(c.Context(), v.User, choice); err != nil {
			return err
		}
	}
	SetFlash(c, "success", "language.changed")
	return c.Redirect().Status(fiber.StatusSeeOther).To(LocalPath(c.FormValue("next")))
}

// LocalPath keeps a redirect target on this site: a path that starts with
// one slash not followed by another, with no control character and no
// backslash, both as it is and once more percent-decoded. Browsers drop tabs
// and line breaks from addresses and read a backslash as a slash, so a tab
// or a backslash after the first slash would take them to another host.
// Anything else is "/".
func LocalPath(p string) string {
	decoded, err := url.PathUnescape(p)
	if err != nil || !localPath(p) || !localPath(decoded) {
		return "/"
	}
	return p
}

func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if r == '\\' || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

func toWords(in map[string]tenancy.Words) map[string]i18n.Words {
	out := make(map[string]i18n.Words, len(in))
	for k, w := range in {
		out[k] = i18n.Words{One: w.One, Other: w.Other}
	}
	return out
}
