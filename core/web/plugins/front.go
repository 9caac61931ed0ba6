// Package plugins is the web front of the modules plugins serve: their pages
// below /m/<module>/, their protocol endpoints and feeds, their navigation,
// panels and slots, and the live topics their pages listen to. It speaks
// HTTP and asks the plugin host (Handle, Slot) for the rest; the host never
// sees a request.
package plugins

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/web"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Deps are what the front needs.
type Deps struct {
	Host *pluginhost.Host
	// Counts keeps what waits for people in each module, for badges.
	Counts *notice.Service
	// Files keeps the files uploads bring and pages send.
	Files *files.Service
	Log   *slog.Logger
}

// Register has every plugin's module put on the web server as the host
// registers it at start.
func Register(s *web.Server, d Deps) {
	f := &front{Deps: d, web: s}
	d.Host.OnModule(f.mount)
}

type front struct {
	Deps
	web *web.Server
}

// mount adds a module's navigation, panels, pages, feed, protocol
// endpoints and slots.
func (f *front) mount(m *pluginv1.ManifestResponse) {
	id := m.GetId()
	for _, n := range m.GetNavigation() {
		f.web.AddNav(f.navItem(id, n))
	}
	for _, n := range m.GetPanels() {
		f.web.AddPanel(f.navItem(id, n))
	}
	for _, r := range m.GetRoutes() {
		path := "/m/" + id + r.GetPath()
		var rule *web.UploadRule
		if up := r.GetUpload(); up != nil && f.Files != nil {
			rule = &web.UploadRule{Fields: up.GetFields(), Accept: up.GetAccept(), MaxBytes: up.GetMaxBytes(), MaxFiles: int(up.GetMaxFiles())}
			if !files.ValidAccept(rule.Accept) {
				f.Log.Warn("plugin route takes files of kinds the core does not know; it takes none", "plugin", id, "path", path)
				rule = nil
			} else {
				f.web.AcceptUploads(r.GetMethod(), path)
			}
		}
		f.web.Handle(r.GetMethod(), path, web.InModule(id, web.Need(access.Permission(r.GetPermission()))), f.page(id, rule))
	}
	if m.GetFeed() {
		f.web.HandleFeed(id, f.passThrough(id, func(fiber.Ctx) string { return "/feeds/" + id }))
	}
	for _, prefix := range m.GetRawPrefixes() {
		f.web.HandleProtocol(prefix, id, f.passThrough(id, func(c fiber.Ctx) string { return c.Path() }))
		for _, service := range m.GetWellKnown() {
			if !f.web.WellKnown(service, prefix) {
				f.Log.Warn("another plugin offers this service for discovery; left out", "plugin", id, "service", service)
			}
		}
	}
	for _, slot := range m.GetSlots() {
		if !slices.Contains(web.Slots, slot) {
			f.Log.Warn("plugin asks for a slot the core does not have; left out", "plugin", id, "slot", slot)
			continue
		}
		f.web.AddSlotFiller(slot, web.SlotFiller{Module: id, Prepare: f.slot(id, slot)})
	}
}

// navItem is a module's navigation entry or panel as the core shows it,
// with the module's count for the person when it is counted.
func (f *front) navItem(module string, n *pluginv1.NavEntry) web.NavItem {
	item := web.NavItem{Label: n.GetLabel(), Icon: n.GetIcon(), Path: "/m/" + module + n.GetPath(),
		Rule: web.InModule(module, web.Need(access.Permission(n.GetPermission()))), Group: web.NavModules}
	if n.GetCounted() && f.Counts != nil {
		item.Badge = func(c fiber.Ctx) (int, error) {
			v := web.CurrentViewer(c)
			return f.Counts.Count(c.Context(), v.Org.ID, v.User.ID, module)
		}
	}
	return item
}

// dossierPage is the address of a dossier's page, where a plugin may send
// people back after a change made from its card.
var dossierPage = regexp.MustCompile(`^/dossiers/[0-9]+$`)

// forwarded are the request headers a plugin sees; cookies and
// authorisation never cross.
var forwarded = []string{"Content-Type", "Accept", "HX-Request", "HX-Boosted", "HX-Target", "HX-Trigger", "HX-Current-URL"}

// passed are the response headers a plugin may set.
var passed = map[string]bool{"HX-Redirect": true, "HX-Refresh": true, "HX-Trigger": true, "HX-Push-Url": true, "HX-Reswap": true, "HX-Retarget": true}

// caller is whom the request is for, in the viewer's own organisation or
// (in) another one (a slot on a dossier shared from it).
func caller(c fiber.Ctx, in *web.Scope) pluginhost.Caller {
	v := web.CurrentViewer(c)
	where := &web.Scope{Org: v.Org, Lineage: v.Lineage, Can: v.Can, Roles: v.Roles}
	if in != nil {
		where = in
	}
	loc := web.Localizer(c)
	who := pluginhost.Caller{Org: *where.Org, Lineage: where.Lineage, Can: where.Can, Roles: where.Roles,
		UserID: v.User.ID, UserName: v.User.Name(), TimeZone: v.User.TimeZone, Locale: loc.Locale, CSRF: web.CSRFToken(c),
		Terms: map[string]i18n.Words{}}
	for _, k := range i18n.TermKeys() {
		who.Terms[k] = i18n.Words{One: loc.Term(k, 1), Other: loc.Term(k, 2)}
	}
	return who
}

// page is the handler of a module's routes: it passes the request on and
// turns the answer into a page in the layout, a fragment for htmx, a
// redirect, or raw bytes. A plugin that is down gives the translated "back
// in a moment".
func (f *front) page(module string, rule *web.UploadRule) fiber.Handler {
	prefix := "/m/" + module
	return func(c fiber.Ctx) error {
		req := pluginhost.Request{Method: c.Method(), Path: strings.TrimPrefix(c.Path(), prefix),
			Query: string(c.Request().URI().QueryString()), Headers: headers(c, forwarded), Params: map[string]string{}}
		var uploaded []int64
		if rule != nil && strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
			var err error
			if uploaded, err = f.upload(c, module, *rule, &req); err != nil {
				return err
			}
		} else {
			if len(c.Body()) > pluginhost.MaxRequest {
				return fiber.ErrRequestEntityTooLarge
			}
			req.Body = c.Body()
			if rule != nil {
				req.Body = withoutFiles(c, req.Body, rule.Fields)
			}
		}
		if c.Method() == fiber.MethodGet {
			req.Address = c.OriginalURL()
		}
		resp, err := f.Host.Handle(c.Context(), module, caller(c, nil), req)
		if err != nil || resp.Status >= 400 {
			// Files of a form the plugin did not take are not kept for it.
			f.Files.Forget(context.WithoutCancel(c.Context()), web.CurrentViewer(c).Org.ID, module, uploaded)
		}
		if err != nil {
			return fiber.ErrServiceUnavailable
		}
		if len(resp.Live) > 0 {
			web.LiveTopics(c, resp.Live...)
		}
		return f.answer(c, module, resp)
	}
}

// upload reads a form that brings files: they are stored as they arrive
// and the plugin gets the form with their ids, as a plain form; a file the
// rule does not take is left out and the plugin told why (Refused), so it
// shows its form again with the reason.
func (f *front) upload(c fiber.Ctx, module string, rule web.UploadRule, req *pluginhost.Request) ([]int64, error) {
	values, ids, err := f.web.ReadUpload(c, f.Files, module, rule)
	var r *refusal.Error
	switch {
	case errors.As(err, &r):
		field := r.Field
		if field == "" {
			field = "_form"
		}
		req.Refused = map[string]string{field: web.Localizer(c).T(r.Message)}
	case err != nil:
		return nil, err
	}
	req.Body = []byte(values.Encode())
	if len(req.Body) > pluginhost.MaxRequest {
		f.Files.Forget(context.WithoutCancel(c.Context()), web.CurrentViewer(c).Org.ID, module, ids)
		return nil, fiber.ErrRequestEntityTooLarge
	}
	req.Headers["Content-Type"] = fiber.MIMEApplicationForm
	return ids, nil
}

// withoutFiles is a plain form sent to a route that takes files, without
// its file fields: only the host fills them, with files it stored for
// this person just now, so no form can name someone else's file there.
func withoutFiles(c fiber.Ctx, body []byte, fields []string) []byte {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
		return body
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil
	}
	for _, f := range fields {
		values.Del(f)
	}
	return []byte(values.Encode())
}

func headers(c fiber.Ctx, names []string) map[string]string {
	out := map[string]string{}
	for _, name := range names {
		if v := c.Get(name); v != "" {
			out[name] = v
		}
	}
	return out
}

func (f *front) answer(c fiber.Ctx, module string, resp *pluginhost.Answer) error {
	if len(resp.Body) > pluginhost.MaxAnswer {
		f.Log.Warn("plugin answer too large", "plugin", module, "bytes", len(resp.Body))
		return fiber.ErrBadGateway
	}
	for k, v := range resp.Headers {
		if passed[k] {
			c.Set(k, v)
		}
	}
	status := resp.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	if loc := resp.Headers["Location"]; status >= 300 && status < 400 {
		// Only the plugin's own pages and dossiers (back from a card): a
		// plugin cannot send people elsewhere.
		if !strings.HasPrefix(loc, "/m/"+module+"/") && loc != "/m/"+module && !dossierPage.MatchString(loc) {
			return fiber.ErrBadGateway
		}
		return f.web.Redirect(c, loc)
	}
	if status >= 400 && len(resp.Body) == 0 { // the core's own error page
		return fiber.NewError(status)
	}
	if resp.File != 0 {
		return f.sendFile(c, module, resp)
	}
	if resp.Raw {
		if !inertType(resp.Headers["Content-Type"]) {
			f.Log.Warn("plugin answer refused: a type a page could run", "plugin", module, "type", resp.Headers["Content-Type"])
			return fiber.ErrBadGateway
		}
		sandboxAnswer(c)
		c.Set(fiber.HeaderContentType, resp.Headers["Content-Type"])
		if cd := resp.Headers["Content-Disposition"]; cd != "" {
			c.Set(fiber.HeaderContentDisposition, cd)
		}
		return c.Status(status).Send(resp.Body)
	}
	return f.web.RenderFragment(c, status, resp.Title, template.HTML(resp.Body))
}

// sendFile sends the file a plugin's page answered with, once the page
// (which decides who may read it) said so: one of the plugin's own in the
// viewer's organisation, else nothing.
func (f *front) sendFile(c fiber.Ctx, module string, resp *pluginhost.Answer) error {
	if f.Files == nil {
		return fiber.ErrNotFound
	}
	file, err := f.Files.GetOwned(c.Context(), web.CurrentViewer(c).Org.ID, module, resp.File)
	if errors.Is(err, files.ErrNotFound) {
		f.Log.Warn("plugin answered with a file that is not its own here", "plugin", module, "file", resp.File)
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return web.SendFile(c, f.Files, file, resp.Inline)
}

// slot prepares a plugin's part of a slot on a core page: the call is
// opened on the request, the call itself runs alongside the other plugins'
// within the slot deadline, and a slow or failing plugin's part is left out
// (the host logs it).
func (f *front) slot(module, name string) func(fiber.Ctx, map[string]string, *web.Scope) func() template.HTML {
	return func(c fiber.Ctx, params map[string]string, in *web.Scope) func() template.HTML {
		work := f.Host.Slot(module, name, caller(c, in), params)
		if work == nil {
			return nil
		}
		return func() template.HTML {
			html, err := work()
			if err != nil {
				return ""
			}
			return template.HTML(html)
		}
	}
}

// protocolHeaders are the request headers a protocol endpoint sees.
var protocolHeaders = []string{"Content-Type", "Accept", "Depth", "If-Match", "If-None-Match", "Destination", "Overwrite", "Prefer", "Brief"}

// protocolAnswers are the response headers a protocol endpoint may set.
var protocolAnswers = []string{"Content-Type", "ETag", "DAV", "Allow", "Last-Modified", "Content-Disposition", "Preference-Applied", "Location"}

// passThrough is the handler of a plugin's protocol endpoint or feed: the
// whole request passes to the plugin (the app has signed in with an app
// password, or holds a feed address), as the path named, and the answer
// comes back as it is.
func (f *front) passThrough(module string, path func(fiber.Ctx) string) fiber.Handler {
	return func(c fiber.Ctx) error {
		if len(c.Body()) > pluginhost.MaxRequest {
			return c.SendStatus(fiber.StatusRequestEntityTooLarge)
		}
		req := pluginhost.Request{Method: c.Method(), Path: path(c), Query: string(c.Request().URI().QueryString()),
			Body: c.Body(), Headers: headers(c, protocolHeaders)}
		resp, err := f.Host.Handle(c.Context(), module, caller(c, nil), req)
		if err != nil { // the host logged why
			return c.SendStatus(fiber.StatusServiceUnavailable)
		}
		if len(resp.Body) > pluginhost.MaxAnswer {
			return c.SendStatus(fiber.StatusBadGateway)
		}
		// Header names as the plugin wrote them ("Etag" from Go's
		// http.Header is "ETag").
		answers := map[string]string{}
		for name, v := range resp.Headers {
			answers[http.CanonicalHeaderKey(name)] = v
		}
		for _, name := range protocolAnswers {
			if v := answers[http.CanonicalHeaderKey(name)]; v != "" {
				c.Set(name, v)
			}
		}
		// A Location names one of the endpoint's own resources, nothing else.
		if loc := answers["Location"]; loc != "" && (!strings.HasPrefix(loc, "/dav/"+module+"/") || strings.Contains(loc, "..")) {
			c.Response().Header.Del("Location")
		}
		if ct := answers["Content-Type"]; ct != "" && !inertType(ct) {
			f.Log.Warn("plugin answer refused: a type a page could run", "plugin", module, "type", ct)
			return c.SendStatus(fiber.StatusBadGateway)
		}
		sandboxAnswer(c)
		status := resp.Status
		if status == 0 {
			status = fiber.StatusOK
		}
		return c.Status(status).Send(resp.Body)
	}
}

// inertType refuses the media types a core page could run or apply as its
// own (scripts, style sheets, WebAssembly): the site's policy allows its own
// origin's scripts, and a plugin's answer is of the same origin, so a
// <script src> in a slot could otherwise run a plugin's code on core pages.
// With nosniff (always sent) a browser runs nothing of another type.
func inertType(contentType string) bool {
	media, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
	media = strings.TrimSpace(media)
	switch {
	case media == "", strings.Contains(media, "javascript"), strings.Contains(media, "ecmascript"), strings.Contains(media, "jscript"),
		media == "text/css", media == "application/wasm", strings.Contains(media, "svg"):
		return false
	}
	return true
}

// sandboxAnswer puts a plugin's raw answer, opened on its own, in a
// sandbox of its own origin with nothing allowed: an HTML or XML answer
// runs no script and reaches nothing of the portal's.
func sandboxAnswer(c fiber.Ctx) {
	c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
}
