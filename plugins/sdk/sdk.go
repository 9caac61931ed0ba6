// Package sdk is the only package an Atrium plugin imports. A plugin is a
// small program that describes its module, adds pages and slots, and calls
// Serve (the package's Example):
//
//	//go:embed templates locales
//	var files embed.FS
//
//	func main() {
//		m := sdk.New(sdk.Manifest{ID: "hello", Version: "1.0.0", Label: "hello.title"}, files)
//		m.Page("GET", "/", "", func(r *sdk.Request) error {
//			return r.Render("index", "hello.title", map[string]any{"Name": r.UserName()})
//		})
//		sdk.Serve(m)
//	}
//
// The host starts the program, checks the handshake, reads the manifest, and
// calls the pages at /m/<id>/… with the request's person, organisation,
// permissions, language and words. Templates get t, term, csrf and url.
//
// The SDK is a Go module of its own (github.com/atriumhq/atrium/plugins/sdk),
// with the contract it speaks (proto/v1, wire) and a fake host for unit
// tests of a module's handlers (sdktest). Each exported name says the
// version of the contract (atrium.plugin.v1) at which the SDK added it.
package sdk

import (
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk/messages"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Manifest describes a module.
// Since contract v1.0.
type Manifest struct {
	ID      string // lower case letters and digits: the address /m/<id> and the table prefix <id>_
	Version string
	Label   string // message id of the module's name
	Summary string // message id of a one-line description
	Icon    string
	// Permissions the module defines, "<id>.<right>", with the built-in roles
	// that hold them by default.
	Permissions []Permission
	// Navigation entries, below /m/<id>.
	Navigation []NavEntry
	// Panels, below /m/<id>, opened from a button on every page.
	Panels []Panel
	// EventHistory asks, when the module first starts, for the events
	// already in the log rather than those from then on (a statistics
	// module backfills). Since contract v1.7.
	EventHistory bool
}

// Permission is one right the module defines.
// Since contract v1.0.
type Permission struct {
	Name         string
	DefaultRoles []string
}

// Panel is a button the core shows on every page (to people who may open
// it) that loads one of the module's pages into a side panel: the chat's
// conversations, say. While the plugin is down the panel says so, and the
// page around it keeps working. Counted shows the module's count on it.
// Since contract v1.4.
type Panel = NavEntry

// NavEntry is one entry in the core's navigation.
// Since contract v1.0.
type NavEntry struct {
	Label, Icon, Path, Permission string
	// Counted shows the count the module keeps for each person
	// (r.SetCount), such as unread messages.
	Counted bool
}

// Module is a plugin under construction, then being served.
// Since contract v1.0.
type Module struct {
	manifest  Manifest
	log       hclog.Logger // JSON on stderr, which the host reads into its log
	routes    []route
	slots     map[string]SlotFunc
	templates *template.Template // never executed; renders use clones
	clones    sync.Pool
	catalog   *messages.Catalog
	localeRaw []*pluginv1.LocaleFile
	// host is the Host service, dialled once at Manifest and reused.
	host       pluginv1.HostClient
	broker     *plugin.GRPCBroker
	dialect    string // "sqlite" or "postgres", from the host
	dbOnce     sync.Once
	db         *bun.DB
	migrations []Migration
	protocol   HandlerFunc
	wellKnown  []string
	feed       HandlerFunc
	export     ExportFunc
	erase      EraseFunc
	events     map[string]EventFunc
}

// HandlerFunc answers one request to a page.
// Since contract v1.0.
type HandlerFunc func(*Request) error

// SlotFunc fills a slot on a core page; empty HTML shows nothing.
// Since contract v1.0.
type SlotFunc func(*Request) (template.HTML, error)

type route struct {
	method, path, permission string
	pattern                  *regexp.Regexp
	params                   []string
	handler                  HandlerFunc
	upload                   *Upload
}

var validID = regexp.MustCompile(`^[a-z][a-z0-9]{1,30}$`)

// New starts a module from its manifest and its embedded files: templates/*.html
// (each named by its path without .html, such as "index") and locales/*.toml
// (en.toml at least).
// Since contract v1.0.
func New(m Manifest, files fs.FS) *Module {
	if !validID.MatchString(m.ID) {
		panic(fmt.Sprintf("sdk: module id %q must be 2-31 lower case letters and digits, starting with a letter", m.ID))
	}
	mod := &Module{manifest: m, slots: map[string]SlotFunc{},
		log: hclog.New(&hclog.LoggerOptions{Name: m.ID, Output: os.Stderr, JSONFormat: true, Level: hclog.Info})}
	if err := mod.load(files); err != nil {
		panic("sdk: " + err.Error())
	}
	return mod
}

// Page adds a page at path (below /m/<id>) for a method; permission is the
// right needed to open it ("" for everyone in the organisation). Paths may
// hold parameters: "/items/:id".
// Since contract v1.0.
func (m *Module) Page(method, path, permission string, h HandlerFunc) {
	m.addRoute(route{method: strings.ToUpper(method), path: path, permission: permission, handler: h})
}

// Upload is how a form takes files: the host reads the form, checks each
// file (its type from its bytes, its size, the organisation's storage) and
// stores it, and the page gets the form with the files' ids in their
// fields (r.Files().Uploaded). A file refused is named in r.Refused, for
// the form to be shown again with why. Files not claimed (Files.Claim)
// are removed after a day, and at once when the page answers an error.
// Since contract v1.7.
type Upload struct {
	Fields   []string // the fields that take files
	Accept   []string // kinds: image, pdf, text, document, audio, video, archive; or types such as "text/html"; empty: all kinds but text
	MaxBytes int64    // largest file; 0: what the organisation's subscription allows
	MaxFiles int      // most files in one form; 0: 10
}

// UploadPage adds a page that takes files in its form, as Page does
// otherwise. Its form sends enctype="multipart/form-data" and its _csrf
// field first, before any file.
// Since contract v1.7.
func (m *Module) UploadPage(method, path, permission string, u Upload, h HandlerFunc) {
	m.addRoute(route{method: strings.ToUpper(method), path: path, permission: permission, handler: h, upload: &u})
}

func (m *Module) addRoute(r route) {
	path := r.path
	expr := "^"
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		if strings.HasPrefix(part, ":") {
			r.params = append(r.params, part[1:])
			expr += "/([^/]+)"
		} else {
			expr += "/" + regexp.QuoteMeta(part)
		}
	}
	r.pattern = regexp.MustCompile(expr + "/?$")
	m.routes = append(m.routes, r)
}

// Protocol answers every request below /dav/<id>/: an endpoint for apps
// (calendars and the like) that sign in with an app password over Basic
// authentication. Any method reaches it (PROPFIND, REPORT…); answer with r.Raw.
// Since contract v1.0.
func (m *Module) Protocol(h HandlerFunc) { m.protocol = h }

// WellKnown names a service the protocol endpoint offers ("caldav",
// "carddav"): apps that look for /.well-known/<service> on the server, or
// PROPFIND its root, are sent to the endpoint (RFC 6764).
// Since contract v1.3.
func (m *Module) WellKnown(services ...string) { m.wellKnown = append(m.wellKnown, services...) }

// ProtocolPrefix is where the module's protocol endpoint lives.
// Since contract v1.0.
func (m *Module) ProtocolPrefix() string { return "/dav/" + m.manifest.ID + "/" }

// Slot fills a named place on core pages: "home.tile" (a card on the start
// page), "person.card" (a card on a person's page, with
// Params["person_id"]) or "settings.section" (a card on the person's own
// settings page).
// Since contract v1.0.
func (m *Module) Slot(name string, f SlotFunc) { m.slots[name] = f }

// EventFunc handles an event another plugin (or this one) emitted. The
// request is for the organisation and person the event happened for; it has
// no form, no page to render, and its DB works as in a page.
// Since contract v1.0.
type EventFunc func(r *Request, payload []byte) error

// OnEvent receives events by their full name, such as "agenda.booked" or
// the core's "dossier.registered" (docs/plugins.md lists them). The host
// delivers each event at least once (so sometimes twice: r.EventID()
// names it, the same each time), in order per organisation, from where
// the plugin stopped, retrying with backoff while the handler fails; only
// where the organisation has the module on.
// Since contract v1.0 (durable since v1.7).
func (m *Module) OnEvent(name string, f EventFunc) {
	if m.events == nil {
		m.events = map[string]EventFunc{}
	}
	m.events[name] = f
}

// match finds the route of a request and its parameters.
func (m *Module) match(method, path string) (*route, map[string]string) {
	if path == "" {
		path = "/"
	}
	for i := range m.routes {
		r := &m.routes[i]
		if r.method != method {
			continue
		}
		if got := r.pattern.FindStringSubmatch(path); got != nil {
			params := map[string]string{}
			for j, name := range r.params {
				params[name] = got[j+1]
			}
			return r, params
		}
	}
	return nil, nil
}
