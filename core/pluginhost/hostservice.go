package pluginhost

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/tenancy"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// hostService serves the Host calls of one plugin. Every call is checked
// against the live calls of that plugin: the token decides the organisation
// and the person.
type hostService struct {
	pluginv1.UnimplementedHostServer
	plugin string
	calls  *calls
	orgs   *tenancy.Service
	ids    *identity.Service
	audit  *audit.Service
	log    *slog.Logger
	wall   *wall
	emit   func(ctx context.Context, from scope, name string, payload []byte) error
	notify func(ctx context.Context, orgID, userID int64, module, message, link string) error
	mail   func(ctx context.Context, orgID, userID int64, module, subject, text string, cal mail.Calendar) error
	// publish sends an event to the hub of every instance; presence tells
	// who has a tab open; counts keeps what waits for people.
	publish  func(ctx context.Context, e realtime.Event) error
	presence func(ctx context.Context, orgID int64, users []int64) (map[int64]realtime.State, error)
	counts   *notice.Service
	// statements counts the Exec and Query calls served.
	statements *atomic.Int64
	dossiers   *dossier.Service
	reads      *readstate.Service
	// serves tells what the plugin's manifest declares, such as a feed.
	serves func() *pluginv1.ManifestResponse
}

var errNoCall = status.Error(codes.PermissionDenied, "the token names no live call of this plugin")

var errMigrationCall = status.Error(codes.PermissionDenied, "a migration reaches the plugin's tables only: no people, notices, mails or events")

// scope is the live call a token names, for every host service but the
// database: a migration's token is not one (it runs in an organisation's
// file on SQLite, but on nobody's behalf).
func (s *hostService) scope(token string) (*scope, error) {
	sc, err := s.dbScope(token)
	if err == nil && sc.migrating {
		s.log.Warn("plugin host call refused: a migration's token", "plugin", s.plugin)
		return nil, errMigrationCall
	}
	return sc, err
}

// dbScope is the live call or migration a token names, for the database.
func (s *hostService) dbScope(token string) (*scope, error) {
	sc := s.calls.find(s.plugin, token)
	if sc == nil {
		s.log.Warn("plugin host call refused: unknown token", "plugin", s.plugin)
		return nil, errNoCall
	}
	return sc, nil
}

// Can tells whether the call's person holds a permission.
func (s *hostService) Can(_ context.Context, req *pluginv1.CanRequest) (*pluginv1.CanResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	return &pluginv1.CanResponse{Allowed: sc.can.Has(access.Permission(req.GetPermission()))}, nil
}

// maxPeople bounds one People call; a page lists fewer people than this.
const maxPeople = 1000

// People describes people of the call's organisation; ids of anyone else are
// left out, as if they did not exist.
func (s *hostService) People(ctx context.Context, req *pluginv1.PeopleRequest) (*pluginv1.PeopleResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if len(req.GetIds()) > maxPeople {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d people per call", maxPeople)
	}
	members, err := s.orgs.RolesAmong(ctx, sc.orgID, req.GetIds())
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	users, err := s.ids.ByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &pluginv1.PeopleResponse{}
	for _, u := range users {
		p := &pluginv1.Person{Id: u.ID, Name: u.Name(), Email: u.Email, Locale: u.Locale, TimeZone: u.TimeZone}
		for _, r := range members[u.ID] {
			p.Roles = append(p.Roles, string(r))
		}
		out.People = append(out.People, p)
	}
	return out, nil
}

// Terms gives the organisation's own words in the call's language.
func (s *hostService) Terms(ctx context.Context, req *pluginv1.TermsRequest) (*pluginv1.TermsResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	words, err := s.orgs.TermsIn(ctx, sc.lineage, sc.locale)
	if err != nil {
		return nil, err
	}
	out := &pluginv1.TermsResponse{Terms: map[string]*pluginv1.Words{}}
	for k, w := range words {
		out.Terms[k] = &pluginv1.Words{One: w.One, Other: w.Other}
	}
	return out, nil
}

// Audit records what the call's person did, under the plugin's name.
func (s *hostService) Audit(ctx context.Context, req *pluginv1.AuditRequest) (*pluginv1.AuditResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	// An action is a word of the plugin's (its log shows "<plugin>.<action>");
	// a detail is one line, bounded: the log is read by people.
	if !auditAction.MatchString(req.GetAction()) {
		return nil, status.Error(codes.InvalidArgument, "an audit action is 1–64 lower-case letters, digits, dots and underscores")
	}
	if d := req.GetDetail(); len(d) > 500 || strings.ContainsFunc(d, unicode.IsControl) || !utf8.ValidString(d) {
		return nil, status.Error(codes.InvalidArgument, "an audit detail is one line of at most 500 bytes")
	}
	e := audit.Event{Action: s.plugin + "." + req.GetAction(), Detail: req.GetDetail(), ActorID: &sc.userID, OrganisationID: &sc.orgID, IP: "plugin:" + s.plugin}
	if id := req.GetSubjectId(); id != 0 {
		e.SubjectID = &id
	}
	return &pluginv1.AuditResponse{}, s.audit.Record(ctx, e)
}

var auditAction = regexp.MustCompile(`^[a-z0-9_.]{1,64}$`)

// serveHost starts the plugin's Host service on the broker and returns the
// id the plugin dials, once, for every Host call it makes.
func (h *Host) serveHost(p *Plugin, broker brokerLike) uint32 {
	id := broker.NextId()
	svc := &hostService{plugin: p.Name, calls: &h.calls, orgs: h.Orgs, ids: h.Identity, audit: h.Audit, log: h.Log, wall: h.wall, emit: h.deliver, notify: h.Notify, mail: h.Mail, publish: h.Publish, presence: h.Presence, counts: h.Counts, statements: &p.statements,
		dossiers: h.Dossiers, reads: h.Reads, serves: func() *pluginv1.ManifestResponse {
			p.mu.RLock()
			defer p.mu.RUnlock()
			return p.manifest
		}}
	go broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		// Workers kept warm instead of a goroutine per call: a little off
		// every round trip (measured in BenchmarkQuery).
		s := grpc.NewServer(append(opts, grpc.NumStreamWorkers(4))...)
		pluginv1.RegisterHostServer(s, svc)
		return s
	})
	return id
}

// brokerLike is the part of go-plugin's broker the host uses.
type brokerLike interface {
	NextId() uint32
	AcceptAndServe(id uint32, newServer func([]grpc.ServerOption) *grpc.Server)
}
