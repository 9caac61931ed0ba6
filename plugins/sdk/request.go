package sdk

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Request is one call to a page or slot: who asks, in which organisation,
// what they sent, and the answer being built.
// Since contract v1.0.
type Request struct {
	module *Module
	ctx    *pluginv1.CallContext
	// Context ends when the host's deadline for the call passes.
	Context context.Context
	Method  string
	Path    string
	Query   url.Values
	Form    url.Values
	Params  map[string]string
	HTMX    bool
	// Header holds the few request headers the host passes on (Content-Type,
	// Accept, HX-*; for protocol endpoints Depth, If-Match and the like).
	Header map[string]string
	// Body is the raw request body, for protocol endpoints.
	Body []byte
	// Refused names the file fields of an upload (UploadPage) whose files
	// the host refused, with why, in the person's language: show the form
	// again with it. Since contract v1.7.
	Refused map[string]string
	resp    *pluginv1.HandleResponse
	event   int64
	actor   int64
}

// EventActor is who caused the event an OnEvent handler handles (0:
// nobody). The handler's call is the organisation's, as nobody: it never
// acts as that person (r.UserID is 0).
// Since contract v1.7.
func (r *Request) EventActor() int64 { return r.actor }

// EventID is the event an OnEvent handler handles: its place in the log,
// the same at each delivery, rising within an organisation; 0 elsewhere.
// Keep it with what the handler writes to do its work once.
// Since contract v1.7.
func (r *Request) EventID() int64 { return r.event }

// UserID is the signed-in person's id.
// Since contract v1.0.
func (r *Request) UserID() int64 { return r.ctx.GetUserId() }

// UserName is the signed-in person's name.
// Since contract v1.0.
func (r *Request) UserName() string { return r.ctx.GetUserName() }

// Roles are the person's roles in the organisation, such as "coach".
// Since contract v1.1.
func (r *Request) Roles() []string { return r.ctx.GetRoles() }

// OrganisationID is the organisation the call is for: every row the
// plugin writes carries it in organisation_id, and every query filters on
// it.
// Since contract v1.0.
func (r *Request) OrganisationID() int64 { return r.ctx.GetOrganisationId() }

// OrganisationName is the active organisation's name.
// Since contract v1.0.
func (r *Request) OrganisationName() string { return r.ctx.GetOrganisationName() }

// TimeZone is the person's time zone, such as "Europe/Amsterdam".
// Since contract v1.2.
func (r *Request) TimeZone() string { return r.ctx.GetTimeZone() }

// Locale is the language of the page, such as "nl".
// Since contract v1.0.
func (r *Request) Locale() string { return r.ctx.GetLocale() }

// Can tells whether the person holds a permission.
// Since contract v1.0.
func (r *Request) Can(permission string) bool {
	return slices.Contains(r.ctx.GetPermissions(), permission)
}

// T translates one of the module's messages.
// Since contract v1.0.
func (r *Request) T(id string, args ...any) string { return r.localizer().T(id, args...) }

// Term gives the organisation's word for a term.
// Since contract v1.0.
func (r *Request) Term(key string, count ...int) string { return r.localizer().Term(key, count...) }

// URL makes an address of the module's own: URL("/items/3") is /m/<id>/items/3.
// Since contract v1.0.
func (r *Request) URL(path string) string {
	return "/m/" + r.module.manifest.ID + "/" + strings.TrimPrefix(path, "/")
}

// Render answers with a template as an HTML fragment that the host places in
// its layout (or sends alone to htmx). title is a message id.
// Since contract v1.0.
func (r *Request) Render(name, title string, data any) error {
	return r.RenderStatus(200, name, title, data)
}

// RenderStatus is Render with a status, such as 422 for a form shown again.
// Since contract v1.0.
func (r *Request) RenderStatus(status int, name, title string, data any) error {
	body, err := r.module.render(r, name, data)
	if err != nil {
		return err
	}
	r.resp.Status, r.resp.Kind, r.resp.Body = int32(status), pluginv1.HandleResponse_KIND_FRAGMENT, body
	if title != "" {
		r.resp.Title = r.T(title)
	}
	return nil
}

// Redirect sends the browser to one of the module's pages after a change.
// Since contract v1.0.
func (r *Request) Redirect(path string) error {
	r.resp.Status = 303
	r.resp.Headers["Location"] = r.URL(path)
	return nil
}

// RedirectToDossier sends the browser back to a dossier's page after a
// change made from a dossier card.
// Since contract v1.2.
func (r *Request) RedirectToDossier(id int64) error {
	r.resp.Status = 303
	r.resp.Headers["Location"] = "/dossiers/" + strconv.FormatInt(id, 10)
	return nil
}

// Fail answers with the host's own error page for a status (403, 404, …),
// in the person's language.
// Since contract v1.2.
func (r *Request) Fail(status int) error {
	r.resp.Status, r.resp.Kind, r.resp.Body = int32(status), pluginv1.HandleResponse_KIND_FRAGMENT, nil
	return nil
}

// ErrNotFound and ErrForbidden, returned by a page (or wrapped in the
// error it returns), answer with the host's 404 or 403 page as Fail does,
// and are not logged: a service says "no such record, or not this
// person's" as an error, and the page passes it on.
// Since contract v1.6.
var (
	ErrNotFound  = errors.New("sdk: not found")
	ErrForbidden = errors.New("sdk: forbidden")
)

// failure is the status a page's error answers with: 404 or 403 for the
// errors above, 0 for any other (a 500, logged).
func failure(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return 404
	case errors.Is(err, ErrForbidden):
		return 403
	}
	return 0
}

// ParamID reads a route parameter that names a record by its number
// ("/items/:id"); one that is not a number is ErrNotFound, which answers
// 404 when the page returns it.
// Since contract v1.6.
func (r *Request) ParamID(name string) (int64, error) {
	id, err := strconv.ParseInt(r.Params[name], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q is not a number", ErrNotFound, name, r.Params[name])
	}
	return id, nil
}

// Raw answers with bytes the host passes through as they are (CSV, PDF, ICS).
// Since contract v1.0.
func (r *Request) Raw(status int, contentType string, body []byte) error {
	r.resp.Status, r.resp.Kind, r.resp.Body = int32(status), pluginv1.HandleResponse_KIND_RAW, body
	r.resp.Headers["Content-Type"] = contentType
	return nil
}

// SetHeader adds a response header the host passes on (HX-* and a few more).
// Since contract v1.0.
func (r *Request) SetHeader(name, value string) { r.resp.Headers[name] = value }

// Fragment renders a template for a slot.
// Since contract v1.0.
func (r *Request) Fragment(name string, data any) (template.HTML, error) {
	body, err := r.module.render(r, name, data)
	return template.HTML(body), err
}

// Zone is the time zone of that IANA name (a person's TimeZone), UTC when
// the name is empty or unknown.
// Since contract v1.4.
func Zone(name string) *time.Location {
	if zone, err := time.LoadLocation(name); err == nil && name != "" {
		return zone
	}
	return time.UTC
}
