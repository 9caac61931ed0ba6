package sdktest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/plugins/sdk"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// scope is what one live call may reach: the organisation and the person
// it was made for, found by its token, as the host finds them.
type scope struct {
	org         int64
	person      int64
	permissions []string
	locale      string
	terms       map[string]*pluginv1.Words
	migrating   bool
	tx          *sql.Tx // the call's open transaction
	txID        string
}

var (
	errNoCall        = status.Error(codes.PermissionDenied, "the token names no live call of this plugin")
	errMigrationCall = status.Error(codes.PermissionDenied, "a migration reaches the plugin's tables only: no people, notices, mails or events")
	errTxOpen        = status.Error(codes.FailedPrecondition, "a transaction is already open in this call; commit or roll it back first")
	errNoSuchTx      = status.Error(codes.FailedPrecondition, "no such transaction in this call (it ended, or the call did)")
	errNoPerson      = status.Error(codes.NotFound, "no such person in the organisation")
)

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// open makes a call live until close.
func (h *Host) open(sc *scope) string {
	token := newToken()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls[token] = sc
	return token
}

// close ends a call; a transaction it left open is rolled back.
func (h *Host) close(token string) {
	h.mu.Lock()
	sc := h.calls[token]
	delete(h.calls, token)
	h.mu.Unlock()
	if sc != nil && sc.tx != nil {
		_ = sc.tx.Rollback()
	}
}

// hostService is the fake's Host service, which the module calls back.
type hostService struct {
	pluginv1.UnimplementedHostServer
	h *Host
}

// dbScope is the live call or migration a token names.
func (s *hostService) dbScope(token string) (*scope, error) {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	sc := s.h.calls[token]
	if sc == nil {
		return nil, errNoCall
	}
	return sc, nil
}

// scope is the live call a token names, for every host service but the
// database.
func (s *hostService) scope(token string) (*scope, error) {
	sc, err := s.dbScope(token)
	if err == nil && sc.migrating {
		return nil, errMigrationCall
	}
	return sc, err
}

// member is a person of the call's organisation.
func (s *hostService) member(sc *scope, id int64) (Person, bool) {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	p, ok := s.h.people[id]
	return p, ok && p.Organisation == sc.org
}

// maxPeople bounds one People call, as the host does.
const maxPeople = 1000

// People describes people of the call's organisation; others are left out.
func (s *hostService) People(_ context.Context, req *pluginv1.PeopleRequest) (*pluginv1.PeopleResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if len(req.GetIds()) > maxPeople {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d people per call", maxPeople)
	}
	out := &pluginv1.PeopleResponse{}
	for _, id := range req.GetIds() {
		if p, ok := s.member(sc, id); ok {
			out.People = append(out.People, &pluginv1.Person{Id: p.ID, Name: p.Name, Email: p.Email, Roles: p.Roles, Locale: p.Locale, TimeZone: p.TimeZone})
		}
	}
	return out, nil
}

// Can tells whether the call's person holds a permission.
func (s *hostService) Can(_ context.Context, req *pluginv1.CanRequest) (*pluginv1.CanResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	return &pluginv1.CanResponse{Allowed: slices.Contains(sc.permissions, req.GetPermission())}, nil
}

// Terms gives the organisation's words in the call's language.
func (s *hostService) Terms(_ context.Context, req *pluginv1.TermsRequest) (*pluginv1.TermsResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	return &pluginv1.TermsResponse{Terms: sc.terms}, nil
}

// Notify records a notice to a member: one of the module's messages,
// linking to one of its pages.
func (s *hostService) Notify(_ context.Context, req *pluginv1.NotifyRequest) (*pluginv1.NotifyResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(req.GetSubjectMessage(), s.h.id+".") {
		return nil, status.Errorf(codes.InvalidArgument, "a notice's message is one of the plugin's, %s.…", s.h.id)
	}
	if !strings.HasPrefix(req.GetLink(), "/m/"+s.h.id+"/") || strings.Contains(req.GetLink(), "..") {
		return nil, status.Errorf(codes.InvalidArgument, "a notice links to one of the plugin's pages, /m/%s/…", s.h.id)
	}
	if _, ok := s.member(sc, req.GetUserId()); !ok {
		return nil, errNoPerson
	}
	s.h.record(func(r *records) {
		r.notices = append(r.notices, Notice{Organisation: sc.org, To: req.GetUserId(), Message: req.GetSubjectMessage(), Link: req.GetLink()})
	})
	return &pluginv1.NotifyResponse{}, nil
}

// Mail records a mail to a member.
func (s *hostService) Mail(_ context.Context, req *pluginv1.MailRequest) (*pluginv1.MailResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	subject := strings.TrimSpace(req.GetSubject())
	if subject == "" || len([]rune(subject)) > 200 || strings.ContainsAny(subject, "\r\n") {
		return nil, status.Error(codes.InvalidArgument, "a subject is one line of 1 to 200 characters")
	}
	if len(req.GetCalendar()) > 0 && req.GetMethod() != "REQUEST" && req.GetMethod() != "CANCEL" {
		return nil, status.Error(codes.InvalidArgument, "a calendar's method is REQUEST or CANCEL")
	}
	if _, ok := s.member(sc, req.GetUserId()); !ok {
		return nil, errNoPerson
	}
	s.h.record(func(r *records) {
		r.mails = append(r.mails, SentMail{Organisation: sc.org, To: req.GetUserId(),
			Mail: sdk.Mail{Subject: subject, Text: req.GetText(), Calendar: req.GetCalendar(), Method: req.GetMethod()}})
	})
	return &pluginv1.MailResponse{}, nil
}

// roomTopic is a room of the module's; user and dossier topics carry an id.
var topicForm = regexp.MustCompile(`^(user|dossier):[0-9]+$|^room:[a-z0-9]+:[a-z0-9:_-]{1,100}$`)

// Publish records a realtime event on a topic of the call's organisation:
// a member's, a dossier's the person may open, or one of the module's
// rooms.
func (s *hostService) Publish(_ context.Context, req *pluginv1.PublishRequest) (*pluginv1.PublishResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := s.checkTopic(sc, req.GetTopic()); err != nil {
		return nil, err
	}
	s.h.record(func(r *records) {
		r.published = append(r.published, Published{Organisation: sc.org, Topic: req.GetTopic(), Event: req.GetEvent(), HTML: string(req.GetHtml())})
	})
	return &pluginv1.PublishResponse{}, nil
}

func (s *hostService) checkTopic(sc *scope, topic string) error {
	if !topicForm.MatchString(topic) {
		return status.Errorf(codes.InvalidArgument, "no such topic %q", topic)
	}
	kind, rest, _ := strings.Cut(topic, ":")
	id, _ := strconv.ParseInt(rest, 10, 64)
	switch {
	case kind == "user":
		if _, ok := s.member(sc, id); !ok {
			return errNoPerson
		}
	case kind == "dossier":
		if s.level(sc, id) == "none" {
			return status.Errorf(codes.PermissionDenied, "the person may not open dossier %d", id)
		}
	case !strings.HasPrefix(rest, s.h.id+":"):
		return status.Error(codes.PermissionDenied, "a room of another module's")
	}
	return nil
}

// Emit records an event for other plugins.
func (s *hostService) Emit(_ context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(req.GetName(), s.h.id+".") {
		return nil, status.Errorf(codes.InvalidArgument, "a plugin emits its own events, %s.…", s.h.id)
	}
	s.h.record(func(r *records) {
		r.emitted = append(r.emitted, Emitted{Organisation: sc.org, By: sc.person, Name: req.GetName(), Payload: req.GetPayload()})
	})
	return &pluginv1.EmitResponse{}, nil
}

var auditAction = regexp.MustCompile(`^[a-z0-9_.]{1,64}$`)

// Audit records a line of the organisation's audit log.
func (s *hostService) Audit(_ context.Context, req *pluginv1.AuditRequest) (*pluginv1.AuditResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if !auditAction.MatchString(req.GetAction()) {
		return nil, status.Error(codes.InvalidArgument, "an audit action is 1–64 lower-case letters, digits, dots and underscores")
	}
	s.h.record(func(r *records) {
		r.audited = append(r.audited, Audited{Organisation: sc.org, By: sc.person, Action: s.h.id + "." + req.GetAction(),
			Subject: req.GetSubjectId(), Detail: req.GetDetail()})
	})
	return &pluginv1.AuditResponse{}, nil
}

// SetCount records what waits for a member in the module.
func (s *hostService) SetCount(_ context.Context, req *pluginv1.CountRequest) (*pluginv1.CountResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if n := req.GetCount(); n < 0 || n > 9999 {
		return nil, status.Error(codes.InvalidArgument, "a count is from 0 to 9999")
	}
	if _, ok := s.member(sc, req.GetUserId()); !ok {
		return nil, errNoPerson
	}
	s.h.record(func(r *records) { r.counts[req.GetUserId()] = int(req.GetCount()) })
	return &pluginv1.CountResponse{}, nil
}

// Online tells which of the members are present (SetPresence).
func (s *hostService) Online(_ context.Context, req *pluginv1.OnlineRequest) (*pluginv1.OnlineResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	out := &pluginv1.OnlineResponse{}
	for _, id := range req.GetUserIds() {
		if _, ok := s.member(sc, id); !ok {
			continue
		}
		s.h.mu.Lock()
		p := s.h.presence[id]
		s.h.mu.Unlock()
		switch p {
		case sdk.Here:
			out.Online = append(out.Online, id)
		case sdk.Away:
			out.Online, out.Away = append(out.Online, id), append(out.Away, id)
		}
	}
	return out, nil
}

// Feed tells of, makes or revokes the person's feed address.
func (s *hostService) Feed(_ context.Context, req *pluginv1.FeedRequest) (*pluginv1.FeedResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if !s.h.manifest.GetFeed() {
		return nil, status.Error(codes.FailedPrecondition, "the plugin's manifest declares no feed")
	}
	key := feedKey{sc.org, sc.person}
	out := &pluginv1.FeedResponse{}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	switch req.GetAction() {
	case "issue":
		s.h.feeds[key] = time.Now()
		out.Path = "/feeds/" + s.h.id + "/" + newToken()
	case "revoke":
		delete(s.h.feeds, key)
	case "status":
	default:
		return nil, status.Error(codes.InvalidArgument, `a feed action is "status", "issue" or "revoke"`)
	}
	if made, ok := s.h.feeds[key]; ok {
		out.Active, out.CreatedUnix = true, made.Unix()
	}
	return out, nil
}
