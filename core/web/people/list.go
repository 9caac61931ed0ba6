package people

import (
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

type listData struct {
	Page      directory.Page
	Query     map[string]string
	Roles     []access.Role
	Daughters bool
	CanInvite bool
	// Invited are accounts asked to join that have not answered yet.
	Invited []tenancy.InvitationView
}

// query reads the list's search, filters, sorting and page from the address.
func (h *Handlers) query(c fiber.Ctx) (directory.Query, map[string]string, error) {
	v := web.CurrentViewer(c)
	q := directory.Query{OrgIDs: []int64{v.Org.ID}, Search: c.Query("q"), Status: c.Query("status"), Role: access.Role(c.Query("role")),
		NoFactor: c.Query("filter") == "no-factor", Sort: c.Query("sort"), Desc: c.Query("dir") == "desc"}
	q.Page, _ = strconv.Atoi(c.Query("page"))
	if c.Query("daughters") == "1" && v.Can.Has(access.DaughtersAccess) {
		ids, err := h.orgs.Subtree(c.Context(), v.Org.ID)
		if err != nil {
			return q, nil, err
		}
		q.OrgIDs = ids
	}
	raw := map[string]string{}
	for _, k := range []string{"q", "status", "role", "filter", "sort", "dir", "daughters"} {
		raw[k] = c.Query(k)
	}
	return q, raw, nil
}

// List shows the organisation's people: searchable, filtered, sortable, paged.
func (h *Handlers) List(c fiber.Ctx) error {
	q, raw, err := h.query(c)
	if err != nil {
		return err
	}
	page, err := h.dir.List(c.Context(), q)
	if err != nil {
		return err
	}
	v := web.CurrentViewer(c)
	invited, err := h.orgs.InvitationsIn(c.Context(), q.OrgIDs)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplList, Title: "people.title", Data: listData{Page: page, Query: raw,
		Roles: access.BuiltIn(), Daughters: v.Can.Has(access.DaughtersAccess), CanInvite: v.Can.Has(access.PeopleInvite), Invited: invited}})
}

// CSV downloads the list as it is filtered, every page. Cells that a
// spreadsheet would run as a formula are quoted with a leading apostrophe.
func (h *Handlers) CSV(c fiber.Ctx) error {
	q, _, err := h.query(c)
	if err != nil {
		return err
	}
	q.Page, q.PerPage = 1, 100_000
	page, err := h.dir.List(c.Context(), q)
	if err != nil {
		return err
	}
	loc := web.Localizer(c)
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{loc.T("people.name"), loc.T("account.email"), loc.T("people.organisation"), loc.T("people.roles"), loc.T("people.state"), loc.T("people.factor"), loc.T("people.last_sign_in")})
	for _, p := range page.People {
		var roles []string
		for _, r := range p.Roles {
			roles = append(roles, loc.T("role."+string(r)))
		}
		state := loc.T("people.status." + p.Status)
		if !p.Active {
			state = loc.T("people.inactive")
		}
		factor := loc.T("people.factor_off")
		if p.TOTPEnabled {
			factor = loc.T("people.factor_on")
		}
		last := ""
		if p.LastSignInAt != nil {
			last = p.LastSignInAt.Format("2006-01-02 15:04")
		}
		_ = w.Write(safeCells(p.Name(), p.Email, p.Organisation, strings.Join(roles, ", "), state, factor, last))
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="people.csv"`)
	return c.SendString("\ufeff" + b.String()) // the byte-order mark makes spreadsheets read UTF-8
}

func safeCells(cells ...string) []string {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	return cells
}
