package hostapi

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/tenancy"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Deps are the parts of the core the host API reaches for plugins.
type Deps struct {
	Log      *slog.Logger
	Orgs     *tenancy.Service
	Identity *identity.Service
	Audit    *audit.Service
	// Emit hands an event a plugin emitted to the plugins that receive it.
	Emit func(ctx context.Context, from calls.Scope, name string, payload []byte) error
	// Notify leaves a person a notice and mails them when they want it.
	Notify func(ctx context.Context, orgID, userID int64, module, message, link string) error
	// Mail sends a person a mail a module wrote, when they want the
	// module's mails.
	Mail func(ctx context.Context, orgID, userID int64, module, subject, text string, cal mail.Calendar) error
	// Publish sends an event to the hub of every instance; Presence tells
	// who has a tab open.
	Publish  func(ctx context.Context, e realtime.Event) error
	Presence func(ctx context.Context, orgID int64, users []int64) (map[int64]realtime.State, error)
	// Counts keeps what waits for people in each module, for badges.
	Counts *notice.Service
	// Dossiers and Reads answer plugins' questions about dossiers and what
	// is new in them.
	Dossiers *dossier.Service
	Reads    *readstate.Service
	// Files keeps the plugins' files.
	Files *files.Service
}

// Service serves the Host calls of one plugin: the database's through the
// wall, and every other host service here. Every call is checked against
// the live calls of that plugin: the token decides the organisation and the
// person.
type Service struct {
	*wall.Service // its Plugin, Calls and Log serve the host API too
	deps          Deps
	// serves tells what the plugin's manifest declares, such as a feed.
	serves func() *pluginv1.ManifestResponse
	// puts bounds the files the plugin stores at once (PutFile).
	puts chan struct{}
}

// New returns the host API of one plugin, its database calls served by db.
func New(d Deps, db *wall.Service, serves func() *pluginv1.ManifestResponse) *Service {
	return &Service{Service: db, deps: d, serves: serves, puts: make(chan struct{}, putsAtOnce)}
}

var errMigrationCall = status.Error(codes.PermissionDenied, "a migration reaches the plugin's tables only: no people, notices, mails or events")

// scope is the live call a token names, for every host service but the
// database: a migration's token is not one (it runs in an organisation's
// file on SQLite, but on nobody's behalf).
func (s *Service) scope(token string) (*calls.Scope, error) {
	sc, err := s.DBScope(token)
	if err == nil && sc.Migrating {
		s.Log.Warn("plugin host call refused: a migration's token", "plugin", s.Plugin)
		return nil, errMigrationCall
	}
	return sc, err
}

// Can tells whether the call's person holds a permission.
func (s *Service) Can(_ context.Context, req *pluginv1.CanRequest) (*pluginv1.CanResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	return &pluginv1.CanResponse{Allowed: sc.Can.Has(access.Permission(req.GetPermission()))}, nil
}

// maxPeople bounds one People call; a page lists fewer people than this.
const maxPeople = 1000

// People describes people of the call's organisation; ids of anyone else are
// left out, as if they did not exist.
func (s *Service) People(ctx context.Context, req *pluginv1.PeopleRequest) (*pluginv1.PeopleResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if len(req.GetIds()) > maxPeople {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d people per call", maxPeople)
	}
	members, err := s.deps.Orgs.RolesAmong(ctx, sc.OrgID, req.GetIds())
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	users, err := s.deps.Identity.ByIDs(ctx, ids)
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
func (s *Service) Terms(ctx context.Context, req *pluginv1.TermsRequest) (*pluginv1.TermsResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	words, err := s.deps.Orgs.TermsIn(ctx, sc.Lineage, sc.Locale)
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
func (s *Service) Audit(ctx context.Context, req *pluginv1.AuditRequest) (*pluginv1.AuditResponse, error) {
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
	e := audit.Event{Action: s.Plugin + "." + req.GetAction(), Detail: req.GetDetail(), ActorID: &sc.UserID, OrganisationID: &sc.OrgID, IP: "plugin:" + s.Plugin}
	if id := req.GetSubjectId(); id != 0 {
		e.SubjectID = &id
	}
	return &pluginv1.AuditResponse{}, s.deps.Audit.Record(ctx, e)
}

var auditAction = regexp.MustCompile(`^[a-z0-9_.]{1,64}$`)
