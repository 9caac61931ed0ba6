package pluginhost

import (
	"context"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/web"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// dossierPage is the address of a dossier's page, where a plugin may send
// people back after a change made from its card.
var dossierPage = regexp.MustCompile(`^/dossiers/[0-9]+$`)

// maxBody is the most a plugin may answer with.
const maxBody = 16 << 20

// MaxRequestBody is the largest request body the host hands a plugin. A
// call reaches the plugin as one gRPC message, which the plugin takes up
// to 4 MiB (grpc-go's default, kept by go-plugin and the SDK), with the
// call's context besides the body; a larger body failed there, and was
// answered as if the plugin were down (503). The host refuses it first,
// as too large (413), and the plugin keeps serving.
const MaxRequestBody = 3 << 20

// forwarded are the request headers a plugin sees; cookies and
// authorisation never cross.
var forwarded = []string{"Content-Type", "Accept", "HX-Request", "HX-Boosted", "HX-Target", "HX-Trigger", "HX-Current-URL"}

// passed are the response headers a plugin may set.
var passed = map[string]bool{"HX-Redirect": true, "HX-Refresh": true, "HX-Trigger": true, "HX-Push-Url": true, "HX-Reswap": true, "HX-Retarget": true}

// callContext tells the plugin who asks, where and in which language, and
// opens the call in the host's live calls until done is called. The token
// names the call for Host calls; the plugin never names an organisation or a
// person itself.
func (h *Host) callContext(c fiber.Ctx, p *Plugin) (*pluginv1.CallContext, func()) {
	return h.callContextIn(c, p, nil)
}

// callContextIn is callContext in another organisation than the viewer's
// (a slot on a dossier shared from it); nil is the viewer's own.
func (h *Host) callContextIn(c fiber.Ctx, p *Plugin, in *web.Scope) (*pluginv1.CallContext, func()) {
	v := web.CurrentViewer(c)
	where := &web.Scope{Org: v.Org, Lineage: v.Lineage, Can: v.Can, Roles: v.Roles}
	if in != nil {
		where = in
	}
	loc := web.Localizer(c)
	cc := &pluginv1.CallContext{Token: secrets.Token(24), OrganisationId: where.Org.ID, OrganisationName: where.Org.Name,
		UserId: v.User.ID, UserName: v.User.Name(), Locale: loc.Locale, Csrf: web.CSRFToken(c), TimeZone: v.User.TimeZone,
		Terms: map[string]*pluginv1.Words{}, BaseUrl: h.BaseURL}
	for _, r := range where.Roles {
		cc.Roles = append(cc.Roles, string(r))
	}
	for perm, ok := range where.Can {
		if ok {
			cc.Permissions = append(cc.Permissions, string(perm))
		}
	}
	// Every term with the words that apply (the organisation's or the
	// defaults), so a plugin never needs the core's message files.
	for _, k := range i18n.TermKeys() {
		cc.Terms[k] = &pluginv1.Words{One: loc.Term(k, 1), Other: loc.Term(k, 2)}
	}
	h.calls.open(cc.Token, &scope{plugin: p.Name, orgID: where.Org.ID, userID: v.User.ID, locale: loc.Locale, can: where.Can,
		lineage: where.Lineage, deadline: time.Now().Add(h.Config.CallTimeout)})
	return cc, func() { h.calls.close(cc.Token) }
}

// page is the handler of one plugin route: it passes the request on and turns
// the answer into a page in the layout, a fragment for htmx, a redirect, or
// raw bytes. A plugin that is down gives the translated "back in a moment".
func (h *Host) page(p *Plugin, r *pluginv1.Route) fiber.Handler {
	prefix := "/m/" + p.Name
	return func(c fiber.Ctx) error {
		if len(c.Body()) > MaxRequestBody {
			return fiber.ErrRequestEntityTooLarge
		}
		rpc := p.conn()
		if rpc == nil {
			return fiber.ErrServiceUnavailable
		}
		cc, done := h.callContext(c, p)
		defer done()
		req := &pluginv1.HandleRequest{Context: cc, Method: c.Method(), Path: strings.TrimPrefix(c.Path(), prefix),
			Query: string(c.Request().URI().QueryString()), Body: c.Body(), Headers: map[string]string{}, Params: map[string]string{}}
		for _, name := range forwarded {
			if v := c.Get(name); v != "" {
				req.Headers[name] = v
			}
		}
		ctx, cancel := context.WithTimeout(c.Context(), h.Config.CallTimeout)
		defer cancel()
		get, key := c.Method() == fiber.MethodGet, ""
		if get {
			key = preloadKey(p.Name, c.OriginalURL(), cc.GetOrganisationId(), cc.GetUserId())
			req.Preloads = h.preload(ctx, p, cc.GetToken(), key)
		}
		started := time.Now()
		resp, err := rpc.Handle(ctx, req)
		if err != nil {
			h.Log.Warn("plugin call failed", "plugin", p.Name, "path", c.Path(), "error", err.Error(), "ms", time.Since(started).Milliseconds())
			return fiber.ErrServiceUnavailable
		}
		if get {
			h.preloads.put(key, resp.GetReads())
		}
		if len(resp.GetLive()) > 0 {
			h.listen(c, p, cc.GetToken(), resp.GetLive())
		}
		return h.answer(c, p, resp)
	}
}

func (h *Host) answer(c fiber.Ctx, p *Plugin, resp *pluginv1.HandleResponse) error {
	if len(resp.GetBody()) > maxBody {
		h.Log.Warn("plugin answer too large", "plugin", p.Name, "bytes", len(resp.GetBody()))
		return fiber.ErrBadGateway
	}
	for k, v := range resp.GetHeaders() {
		if passed[k] {
			c.Set(k, v)
		}
	}
	status := int(resp.GetStatus())
	if status == 0 {
		status = fiber.StatusOK
	}
	if loc := resp.GetHeaders()["Location"]; status >= 300 && status < 400 {
		// Only the plugin's own pages and dossiers (back from a card): a
		// plugin cannot send people elsewhere.
		if !strings.HasPrefix(loc, "/m/"+p.Name+"/") && loc != "/m/"+p.Name && !dossierPage.MatchString(loc) {
			return fiber.ErrBadGateway
		}
		return h.Web.Redirect(c, loc)
	}
	if status >= 400 && len(resp.GetBody()) == 0 { // the core's own error page
		return fiber.NewError(status)
	}
	if resp.GetKind() == pluginv1.HandleResponse_KIND_RAW {
		if !inertType(resp.GetHeaders()["Content-Type"]) {
			h.Log.Warn("plugin answer refused: a type a page could run", "plugin", p.Name, "type", resp.GetHeaders()["Content-Type"])
			return fiber.ErrBadGateway
		}
		sandboxAnswer(c)
		c.Set(fiber.HeaderContentType, resp.GetHeaders()["Content-Type"])
		if cd := resp.GetHeaders()["Content-Disposition"]; cd != "" {
			c.Set(fiber.HeaderContentDisposition, cd)
		}
		return c.Status(status).Send(resp.GetBody())
	}
	return h.Web.RenderFragment(c, status, resp.GetTitle(), template.HTML(resp.GetBody()))
}

// slot prepares a plugin's part of a slot on a core page: the call context
// is made on the request, the call itself runs alongside the other plugins'
// within the slot deadline, and a slow or failing plugin's part is left out,
// and logged.
func (h *Host) slot(p *Plugin, name string) func(fiber.Ctx, map[string]string, *web.Scope) func() template.HTML {
	return func(c fiber.Ctx, params map[string]string, in *web.Scope) func() template.HTML {
		rpc := p.conn()
		if rpc == nil {
			return nil
		}
		cc, done := h.callContextIn(c, p, in)
		return func() template.HTML {
			defer done()
			ctx, cancel := context.WithTimeout(context.Background(), h.Config.SlotTimeout)
			defer cancel()
			resp, err := rpc.Slot(ctx, &pluginv1.SlotRequest{Context: cc, Slot: name, Params: params})
			if err != nil {
				h.Log.Warn("plugin slot left out", "plugin", p.Name, "slot", name, "error", err.Error())
				return ""
			}
			return template.HTML(resp.GetHtml())
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
func (h *Host) passThrough(p *Plugin, path func(fiber.Ctx) string) fiber.Handler {
	return func(c fiber.Ctx) error {
		if len(c.Body()) > MaxRequestBody {
			return c.SendStatus(fiber.StatusRequestEntityTooLarge)
		}
		rpc := p.conn()
		if rpc == nil {
			return c.SendStatus(fiber.StatusServiceUnavailable)
		}
		cc, done := h.callContext(c, p)
		defer done()
		req := &pluginv1.HandleRequest{Context: cc, Method: c.Method(), Path: path(c),
			Query: string(c.Request().URI().QueryString()), Body: c.Body(), Headers: map[string]string{}}
		for _, name := range protocolHeaders {
			if v := c.Get(name); v != "" {
				req.Headers[name] = v
			}
		}
		ctx, cancel := context.WithTimeout(c.Context(), h.Config.CallTimeout)
		defer cancel()
		resp, err := rpc.Handle(ctx, req)
		if err != nil {
			h.Log.Warn("plugin call failed", "plugin", p.Name, "path", c.Path(), "error", err.Error())
			return c.SendStatus(fiber.StatusServiceUnavailable)
		}
		if len(resp.GetBody()) > maxBody {
			return c.SendStatus(fiber.StatusBadGateway)
		}
		// Header names as the plugin wrote them ("Etag" from Go's
		// http.Header is "ETag").
		answers := map[string]string{}
		for name, v := range resp.GetHeaders() {
			answers[http.CanonicalHeaderKey(name)] = v
		}
		for _, name := range protocolAnswers {
			if v := answers[http.CanonicalHeaderKey(name)]; v != "" {
				c.Set(name, v)
			}
		}
		// A Location names one of the endpoint's own resources, nothing else.
		if loc := answers["Location"]; loc != "" && (!strings.HasPrefix(loc, "/dav/"+p.Name+"/") || strings.Contains(loc, "..")) {
			c.Response().Header.Del("Location")
		}
		if ct := answers["Content-Type"]; ct != "" && !inertType(ct) {
			h.Log.Warn("plugin answer refused: a type a page could run", "plugin", p.Name, "type", ct)
			return c.SendStatus(fiber.StatusBadGateway)
		}
		sandboxAnswer(c)
		status := int(resp.GetStatus())
		if status == 0 {
			status = fiber.StatusOK
		}
		return c.Status(status).Send(resp.GetBody())
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
