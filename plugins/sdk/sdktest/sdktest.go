// Package sdktest is a fake Atrium host for unit tests of a plugin's pages,
// slots and event handlers: no binary to build, no core to boot. The
// module under test is the real one, served over gRPC inside the test's
// process exactly as sdk.Serve serves it to Atrium; the fake answers its
// calls back (the Host service of the contract) from what the test sets
// up: people, dossiers, presence, and a SQLite database per organisation
// in which the module's migrations have run. What the module sends out
// (notices, mails, realtime events, emitted events, audit lines, counts)
// is recorded for the test to check.
//
// Example usage:
//
//	func TestNotes(t *testing.T) {
//		h := sdktest.New(t, module())
//		coach := h.AddPerson(sdktest.Person{Name: "Casey", Roles: []string{"coach"}})
//		res := h.As(coach).PostForm("/", url.Values{"text": {"First note"}})
//		if res.Status != 303 || res.Location != "/m/notes/" {
//			t.Fatalf("a note: %d %s", res.Status, res.Location)
//		}
//		if page := h.As(coach).Get("/"); !strings.Contains(page.Body, "First note") {
//			t.Errorf("the note is not listed:\n%s", page.Body)
//		}
//	}
//
// The fake keeps the contract's rules that a module's own code decides
// (its own tables, each with organisation_id, one organisation's rows per
// call; notices of its own messages linking to its own pages; the levels of
// dossiers), not every check of the real host: the integration kit of the
// core (coretest.BuildThisPlugin, coretest.WithPlugins) runs the plugin as
// it ships, in Atrium, on SQLite and PostgreSQL. The fake speaks contract
// v1.6.
package sdktest

import (
	"context"
	"errors"
	"html/template"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/atriumhq/atrium/plugins/sdk"
	"github.com/atriumhq/atrium/plugins/sdk/internal/inprocess"
	"github.com/atriumhq/atrium/plugins/sdk/messages"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Organisation is the organisation people belong to unless they are given
// another (AddOrganisation).
// Since contract v1.6.
const Organisation int64 = 1

// callTimeout bounds every call, as the host's deadline does.
const callTimeout = 10 * time.Second

// Host is a fake Atrium host serving one module. Its methods are safe to
// call from parallel subtests.
// Since contract v1.6.
type Host struct {
	t        testing.TB
	id       string
	manifest *pluginv1.ManifestResponse
	plugin   pluginv1.PluginClient
	dir      string

	mu       sync.Mutex
	orgs     map[int64]*organisation
	people   map[int64]Person
	dossiers map[int64]*Dossier
	presence map[int64]sdk.Presence
	calls    map[string]*scope
	files    map[int64]*file
	// lastEvent is the id of the last event delivered.
	lastEvent int64
	records
	nextID int64
}

// Person is someone in the fake host's directory.
// Since contract v1.6.
type Person struct {
	ID           int64 // 0: the next free id
	Name         string
	Email        string
	Roles        []string // such as "coach", "coachee"
	Locale       string   // "en" unless set
	TimeZone     string   // "Europe/Amsterdam" unless set
	Organisation int64    // the organisation they belong to; 0 is Organisation
}

// New serves the module to a new fake host and runs its migrations in the
// first organisation's database; the test fails if they fail. Everything
// is closed when the test ends.
// Since contract v1.6.
func New(t testing.TB, m *sdk.Module) *Host {
	t.Helper()
	h := &Host{t: t, dir: t.TempDir(), orgs: map[int64]*organisation{}, people: map[int64]Person{}, dossiers: map[int64]*Dossier{},
		presence: map[int64]sdk.Presence{}, calls: map[string]*scope{}, nextID: 100}
	h.records.init()
	host := serve(t, func(s *grpc.Server) { pluginv1.RegisterHostServer(s, &hostService{h: h}) })
	h.plugin = pluginv1.NewPluginClient(dial(t, inprocess.NewServer(m, pluginv1.NewHostClient(host))))
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	mf, err := h.plugin.Manifest(ctx, &pluginv1.ManifestRequest{HostProtocol: pluginv1.ProtocolVersion, Database: "sqlite"})
	if err != nil {
		t.Fatalf("sdktest: the module's manifest: %v", err)
	}
	h.manifest, h.id = mf, mf.GetId()
	h.AddOrganisationNamed(Organisation, "Harbour")
	if _, err := h.database(Organisation); err != nil {
		t.Fatalf("sdktest: %v", err)
	}
	return h
}

// serve starts a gRPC server on an in-memory listener and returns a
// connection to it.
func serve(t testing.TB, register func(*grpc.Server)) *grpc.ClientConn {
	s := grpc.NewServer()
	register(s)
	return dial(t, s)
}

func dial(t testing.TB, s *grpc.Server) *grpc.ClientConn {
	lis := bufconn.Listen(1 << 20)
	go func() { _ = s.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///sdktest", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatalf("sdktest: %v", err)
	}
	t.Cleanup(func() {
		conn.Close()
		s.Stop()
	})
	return conn
}

// Manifest is what the module told the host about itself.
// Since contract v1.6.
func (h *Host) Manifest() *pluginv1.ManifestResponse { return h.manifest }

// AddOrganisation adds another organisation, for tests of what one
// organisation must not see of another's, and returns its id.
// Since contract v1.6.
func (h *Host) AddOrganisation(name string) int64 {
	h.mu.Lock()
	id := h.nextID
	h.nextID++
	h.mu.Unlock()
	h.AddOrganisationNamed(id, name)
	return id
}

// AddOrganisationNamed adds an organisation with the given id, or renames
// it.
// Since contract v1.6.
func (h *Host) AddOrganisationNamed(id int64, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o := h.orgs[id]; o != nil {
		o.name = name
		return
	}
	h.orgs[id] = &organisation{id: id, name: name}
}

// AddPerson adds someone to the directory and returns their id.
// Since contract v1.6.
func (h *Host) AddPerson(p Person) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.ID == 0 {
		p.ID = h.nextID
		h.nextID++
	}
	if p.Organisation == 0 {
		p.Organisation = Organisation
	}
	if p.Locale == "" {
		p.Locale = "en"
	}
	if p.TimeZone == "" {
		p.TimeZone = "Europe/Amsterdam"
	}
	if h.orgs[p.Organisation] == nil {
		h.orgs[p.Organisation] = &organisation{id: p.Organisation, name: "Organisation"}
	}
	h.people[p.ID] = p
	return p.ID
}

// SetPresence says how present a person is (sdk.Here, sdk.Away); everyone
// else is offline.
// Since contract v1.6.
func (h *Host) SetPresence(person int64, p sdk.Presence) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.presence[person] = p
}

// Caller is who makes the calls that follow: a person, in an organisation,
// with permissions, a language and the organisation's words. Change its
// fields before calling to test another case.
// Since contract v1.6.
type Caller struct {
	h            *Host
	Person       int64  // 0: nobody, as the host's ticks call
	Organisation int64  // the person's own unless set
	Locale       string // the person's own unless set
	TimeZone     string // the person's own unless set
	// Permissions are what the person may do; nil gives those the module's
	// manifest grants their roles by default.
	Permissions []string
	// Terms are the organisation's words ("coachee": {One: "client", Other:
	// "clients"}); English defaults for the rest.
	Terms map[string]messages.Words
}

// As makes calls as a person of the directory (0: nobody, in Organisation).
// Since contract v1.6.
func (h *Host) As(person int64) *Caller {
	h.mu.Lock()
	p, ok := h.people[person]
	h.mu.Unlock()
	if !ok && person != 0 {
		h.t.Fatalf("sdktest: no person %d; add them with AddPerson", person)
	}
	c := &Caller{h: h, Person: person, Organisation: p.Organisation, Locale: p.Locale, TimeZone: p.TimeZone}
	if person == 0 {
		c.Organisation, c.Locale, c.TimeZone = Organisation, "en", "UTC"
	}
	return c
}

// Request is one request to the module's pages, as the host passes it on.
// Since contract v1.6.
type Request struct {
	Method string
	// Path is the page's address below /m/<id> ("/items/3?page=2"); the
	// whole address (/m/<id>/items/3) does as well, as do /dav/<id>/… for
	// the protocol endpoint and /feed for the feed.
	Path   string
	Form   url.Values        // sent as application/x-www-form-urlencoded
	Body   []byte            // sent as it is, when there is no Form
	Header map[string]string // Content-Type, Accept, HX-*, Depth…
	HTMX   bool              // sent by htmx (HX-Request)
}

// Response is the module's answer, as the host receives it.
// Since contract v1.6.
type Response struct {
	Status   int
	Title    string // the page's title, translated
	Body     string // an HTML fragment, or raw bytes
	Raw      bool   // raw bytes (Content-Type in Header), passed on as they are
	Header   map[string]string
	Location string   // where a redirect sends the browser
	Live     []string // topics the page listens to
	// File is the file the page answered with (SendFile), which the host
	// sends; Inline tells whether it is shown in the browser. Since v1.7.
	File   int64
	Inline bool
}

// Get asks for one of the module's pages.
// Since contract v1.6.
func (c *Caller) Get(path string) *Response { return c.Do(Request{Method: "GET", Path: path}) }

// PostForm sends a form to one of the module's pages.
// Since contract v1.6.
func (c *Caller) PostForm(path string, form url.Values) *Response {
	return c.Do(Request{Method: "POST", Path: path, Form: form})
}

// Do sends a request to the module's pages, protocol endpoint or feed, as
// the host would, and returns its answer; the test fails when the module
// cannot be reached.
// Since contract v1.6.
func (c *Caller) Do(req Request) *Response {
	c.h.t.Helper()
	path, query, _ := strings.Cut(req.Path, "?")
	if rest, ok := strings.CutPrefix(path, "/m/"+c.h.id); ok && (rest == "" || rest[0] == '/') {
		path = rest
	}
	if path == "" {
		path = "/"
	}
	headers := map[string]string{}
	for k, v := range req.Header {
		headers[k] = v
	}
	body := req.Body
	if req.Form != nil {
		headers["Content-Type"], body = "application/x-www-form-urlencoded", []byte(req.Form.Encode())
	}
	if req.HTMX {
		headers["HX-Request"] = "true"
	}
	cc, done := c.open(false)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	resp, err := c.h.plugin.Handle(ctx, &pluginv1.HandleRequest{Context: cc, Method: strings.ToUpper(req.Method), Path: path, Query: query,
		Body: body, Headers: headers, Params: map[string]string{}})
	if err != nil {
		c.h.t.Fatalf("sdktest: %s %s: the module could not be reached: %v", req.Method, req.Path, err)
	}
	out := &Response{Status: int(resp.GetStatus()), Title: resp.GetTitle(), Body: string(resp.GetBody()),
		Raw: resp.GetKind() == pluginv1.HandleResponse_KIND_RAW, Header: resp.GetHeaders(), Live: resp.GetLive(), File: resp.GetFile(), Inline: resp.GetInline()}
	if out.Status >= 300 && out.Status < 400 {
		out.Location = out.Header["Location"]
	}
	return out
}

// Slot asks the module to fill a slot on a core page ("home.tile",
// "person.card" with params["person_id"], "dossier.card" with
// params["dossier_id"] and params["level"]).
// Since contract v1.6.
func (c *Caller) Slot(name string, params map[string]string) (template.HTML, error) {
	cc, done := c.open(false)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	resp, err := c.h.plugin.Slot(ctx, &pluginv1.SlotRequest{Context: cc, Slot: name, Params: params})
	if err != nil {
		return "", err
	}
	return template.HTML(resp.GetHtml()), nil
}

// Event delivers an event to the module's handler for it (OnEvent), for
// the caller's organisation and person, as the host delivers events from
// the log; each gets an id of its own (r.EventID), rising.
// Since contract v1.6.
func (c *Caller) Event(name string, payload []byte) error {
	c.h.mu.Lock()
	c.h.nextID++
	id := c.h.nextID
	c.h.lastEvent = id
	c.h.mu.Unlock()
	return c.EventAgain(id, name, payload)
}

// LastEventID is the id the last event the fake delivered had.
// Since contract v1.7.
func (h *Host) LastEventID() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastEvent
}

// EventAgain delivers an event with the id of one delivered before, as
// the host does when it could not record the first delivery: a handler
// must do its work once.
// Since contract v1.7.
func (c *Caller) EventAgain(id int64, name string, payload []byte) error {
	cc, done := c.open(false)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_, err := c.h.plugin.OnEvent(ctx, &pluginv1.EventRequest{Context: cc, Name: name, Payload: payload, Id: id, CreatedUnix: time.Now().Unix()})
	return err
}

// Export asks the module for its part of a person's data export in the
// caller's organisation, as the host does (as nobody).
// Since contract v1.7.
func (c *Caller) Export(person int64) ([]sdk.ExportFile, error) {
	var out []sdk.ExportFile
	err := c.privacy(&pluginv1.PrivacyRequest{Action: "export", PersonId: person}, func(chunk *pluginv1.PrivacyChunk) {
		if chunk.GetName() != "" || len(out) == 0 {
			out = append(out, sdk.ExportFile{Name: chunk.GetName()})
		}
		out[len(out)-1].Data = append(out[len(out)-1].Data, chunk.GetData()...)
	})
	return out, err
}

// Erase tells the module to erase a person in the caller's organisation,
// with the retention given, as the host does.
// Since contract v1.7.
func (c *Caller) Erase(person int64, retention time.Duration) error {
	return c.privacy(&pluginv1.PrivacyRequest{Action: "erase", PersonId: person, RetentionDays: int32(retention / (24 * time.Hour))}, nil)
}

// privacy makes one Privacy call, handing each piece it sends to got.
func (c *Caller) privacy(req *pluginv1.PrivacyRequest, got func(*pluginv1.PrivacyChunk)) error {
	cc, done := c.open(false)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	req.Context = cc
	stream, err := c.h.plugin.Privacy(ctx, req)
	if err != nil {
		return err
	}
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if got != nil {
			got(chunk)
		}
	}
}

// Tick calls the module's Tick handler for an organisation, as nobody, as
// the host does every few minutes.
// Since contract v1.6.
func (h *Host) Tick(org int64) error {
	c := h.As(0)
	c.Organisation = org
	return c.Event("core.tick", nil)
}

// open opens a call in the host for the caller and returns its context;
// done ends it, rolling back a transaction it left open.
func (c *Caller) open(migrating bool) (*pluginv1.CallContext, func()) {
	h := c.h
	h.mu.Lock()
	p := h.people[c.Person]
	org := h.orgs[c.Organisation]
	h.mu.Unlock()
	if org == nil {
		h.t.Fatalf("sdktest: no organisation %d; add it with AddOrganisation", c.Organisation)
	}
	if _, err := h.database(org.id); err != nil {
		h.t.Fatalf("sdktest: %v", err)
	}
	perms := c.Permissions
	if perms == nil && c.Person != 0 {
		for _, perm := range h.manifest.GetPermissions() {
			for _, role := range p.Roles {
				if slices.Contains(perm.GetDefaultRoles(), role) && !slices.Contains(perms, perm.GetName()) {
					perms = append(perms, perm.GetName())
				}
			}
		}
	}
	sc := &scope{org: org.id, person: c.Person, permissions: perms, locale: c.Locale, terms: words(c.Terms), migrating: migrating}
	token := h.open(sc)
	cc := &pluginv1.CallContext{Token: token, OrganisationId: org.id, OrganisationName: org.name, UserId: c.Person, UserName: p.Name,
		Permissions: perms, Locale: c.Locale, Terms: sc.terms, Csrf: "sdktest-csrf", TimeZone: c.TimeZone, Roles: p.Roles,
		BaseUrl: "https://portal.example"}
	return cc, func() { h.close(token) }
}

// defaultWords are the English words the host sends for terms an
// organisation has not renamed.
var defaultWords = map[string]messages.Words{
	"coach": {One: "coach", Other: "coaches"}, "coachee": {One: "coachee", Other: "coachees"},
	"assignment": {One: "assignment", Other: "assignments"}, "team": {One: "team", Other: "teams"},
	"trajectory": {One: "trajectory", Other: "trajectories"}, "dossier": {One: "dossier", Other: "dossiers"},
	"forum": {One: "forum", Other: "forums"}, "organisation": {One: "organisation", Other: "organisations"},
}

// words are every term with the words that apply, as the host sends them.
func words(own map[string]messages.Words) map[string]*pluginv1.Words {
	out := map[string]*pluginv1.Words{}
	for _, k := range messages.TermKeys() {
		w, ok := own[k]
		if !ok {
			w, ok = defaultWords[k]
		}
		if !ok {
			w = messages.Words{One: k, Other: k + "s"}
		}
		out[k] = &pluginv1.Words{One: w.One, Other: w.Other}
	}
	return out
}
