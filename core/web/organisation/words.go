package organisation

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

type wordRow struct {
	Key                      string
	One, Other               string // the organisation's own words ("" when inherited)
	DefOne, DefOther         string // what applies without them
	Error                    string
	PreviewOne, PreviewOther string
}

type wordsData struct {
	Locale string
	Rows   []wordRow
	Form   web.Form
}

// words builds the editor rows for a language: the organisation's own words,
// and the words that apply without them (a parent's or the default).
func (h *Handlers) words(c fiber.Ctx, locale string, typed map[string]tenancy.Words) ([]wordRow, error) {
	v := web.CurrentViewer(c)
	own, err := h.orgs.OwnTerms(c.Context(), v.Org.ID, locale)
	if err != nil {
		return nil, err
	}
	var inherited map[string]tenancy.Words
	if len(v.Lineage) > 1 {
		if inherited, err = h.orgs.TermsIn(c.Context(), v.Lineage[1:], locale); err != nil {
			return nil, err
		}
	}
	base := h.cat.Localizer(locale).WithTerms(toI18n(inherited))
	if typed == nil {
		typed = own
	}
	preview := base.WithTerms(toI18n(typed))
	var rows []wordRow
	for _, k := range i18n.TermKeys() {
		rows = append(rows, wordRow{Key: k, One: typed[k].One, Other: typed[k].Other,
			DefOne: base.Term(k, 1), DefOther: base.Term(k, 2),
			PreviewOne: preview.Term(k, 1), PreviewOther: preview.Term(k, 2)})
	}
	return rows, nil
}

func toI18n(in map[string]tenancy.Words) map[string]i18n.Words {
	out := map[string]i18n.Words{}
	for k, w := range in {
		if w.One != "" {
			out[k] = i18n.Words{One: w.One, Other: w.Other}
		}
	}
	return out
}

// chosenLocale is the language being edited: ?locale= or the organisation's.
func (h *Handlers) chosenLocale(c fiber.Ctx) string {
	l := c.Query("locale", c.FormValue("locale"))
	if !h.cat.Has(l) {
		l = web.CurrentViewer(c).Org.Locale
	}
	return l
}

// Words shows the terminology editor for one language.
func (h *Handlers) Words(c fiber.Ctx) error {
	locale := h.chosenLocale(c)
	rows, err := h.words(c, locale, nil)
	if err != nil {
		return err
	}
	return h.page(c, "organisation/words", "organisation.words.title", fiber.StatusOK, wordsData{Locale: locale, Rows: rows, Form: web.ReadForm(c)})
}

func (h *Handlers) typed(c fiber.Ctx) map[string]tenancy.Words {
	typed := map[string]tenancy.Words{}
	for _, k := range i18n.TermKeys() {
		typed[k] = tenancy.Words{One: c.FormValue(k + ".one"), Other: c.FormValue(k + ".other")}
	}
	return typed
}

// WordsPreviewPost renders the preview of typed words (htmx, while typing).
func (h *Handlers) WordsPreviewPost(c fiber.Ctx) error {
	rows, err := h.words(c, h.chosenLocale(c), h.typed(c))
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: "organisation/words_preview", Data: rows})
}

// WordsPost saves the words of one language, all or nothing.
func (h *Handlers) WordsPost(c fiber.Ctx) error {
	locale := h.chosenLocale(c)
	typed := h.typed(c)
	err := h.orgs.SetTerms(c.Context(), web.CurrentViewer(c).Org.ID, locale, typed, i18n.TermKeys())
	f := web.ReadForm(c)
	if f.Refuse(err) {
		rows, rerr := h.words(c, locale, typed)
		if rerr != nil {
			return rerr
		}
		for i := range rows {
			rows[i].Error = f.Errors[rows[i].Key]
		}
		return h.page(c, "organisation/words", "organisation.words.title", web.Unprocessable, wordsData{Locale: locale, Rows: rows, Form: f})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.words.saved")
	return h.web.Redirect(c, "/organisation/words?locale="+locale)
}
