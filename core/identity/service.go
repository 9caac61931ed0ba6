package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/config"
	mailer "github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Service is the identity domain: every operation on accounts goes through it.
type Service struct {
	db      *store.DB
	cfg     config.Identity
	baseURL string
	box     *secrets.Box
	hasher  Hasher
	policy  Policy
	mail    *mailer.Mailer
	orgs    *tenancy.Service
	log     *slog.Logger
	kinds   *mailKinds
	// Now is the clock; tests move it to expire links and sessions.
	Now   func() time.Time
	hooks Hooks
	// dummy is a hash verified for unknown addresses, so that a sign-in takes
	// as long whether or not the account exists.
	dummy string
}

// Hooks are what identity asks of the rest of the core; each may be nil.
type Hooks struct {
	// BrandColour gives an organisation's primary colour for its mails;
	// nil leaves the theme's.
	BrandColour func(ctx context.Context, orgID int64) string
	// SessionsEnded tells a person's open event streams, on every
	// instance, that sessions of theirs ended (signed out, recovered,
	// deactivated).
	SessionsEnded func(ctx context.Context, userID int64)
	// CheckGrant tells whether someone holding by may give a role in the
	// organisation whose lineage is given (access.Service.CheckGrant).
	CheckGrant func(ctx context.Context, by access.Set, role access.Role, lineage []int64) error
	// Emit writes what happened to the event log, in the change's
	// transaction (events.Log.Emit); nil: nobody is told.
	Emit func(ctx context.Context, orgID, actor int64, source, name string, payload []byte) error
}

// NewService builds the identity service.
func NewService(db *store.DB, cfg config.Config, box *secrets.Box, m *mailer.Mailer, orgs *tenancy.Service, log *slog.Logger, hooks Hooks) *Service {
	h := NewHasher(cfg.Identity)
	return &Service{db: db, cfg: cfg.Identity, baseURL: strings.TrimRight(cfg.Server.BaseURL, "/"), box: box,
		hasher: h, policy: Policy{cfg: cfg.Identity}, mail: m, orgs: orgs, log: log, hooks: hooks, kinds: newMailKinds(), Now: time.Now, dummy: h.Hash("not a real password")}
}

// Policy is the password policy in force.
func (s *Service) Policy() Policy { return s.policy }

// Config is the identity configuration in force.
func (s *Service) Config() config.Identity { return s.cfg }

// Errors the web layer turns into messages. None says whether an account exists.
var (
	ErrBadCredentials = errors.New("identity: address or password is wrong")
	ErrLocked         = errors.New("identity: account locked")
	ErrBadCode        = errors.New("identity: code is wrong or used")
	ErrLinkInvalid    = errors.New("identity: link is not valid")
	ErrLinkExpired    = errors.New("identity: link has expired")
	ErrLinkUsed       = errors.New("identity: link was used already")
	ErrAlreadyMember  = refusal.New(refusal.Conflict, "identity: already a member", "people.invite.already_member").On("email")
	ErrAlreadyInvited = refusal.New(refusal.Conflict, "identity: already invited", "people.invite.already_invited").On("email")
	ErrDeactivated    = errors.New("identity: account deactivated")
)

// Throttled says how long to wait before the next try.
type Throttled struct{ Wait time.Duration }

func (t *Throttled) Error() string {
	return fmt.Sprintf("identity: too many attempts, wait %s", t.Wait)
}

// Invalid lists the fields of a form that were not accepted, each with the
// message id that explains why, and the password rules a refused password
// broke. Nothing was written.
type Invalid struct {
	refusal.Fields
	// Rules are the password rules broken, when the password was refused.
	Rules []Rule
}

// invalid refuses one field.
func invalid(field, message string) *Invalid { return &Invalid{Fields: *refusal.Of(field, message)} }

func (e *Invalid) add(field, message string) { e.Add(field, message) }

// orNil returns e when it holds a problem.
func (e *Invalid) orNil() error {
	if len(e.Fields.Fields) == 0 {
		return nil
	}
	return e
}

// checkEmail validates an address and returns it normalised.
func checkEmail(inv *Invalid, field, email string) string {
	email = NormalizeEmail(email)
	a, err := mail.ParseAddress(email)
	if email == "" {
		inv.add(field, "form.required")
	} else if err != nil || a.Address != email || !strings.Contains(email[strings.Index(email, "@")+1:], ".") || len(email) > 254 {
		inv.add(field, "form.email")
	}
	return email
}

// link is an absolute address in Atrium, for mails.
func (s *Service) link(path string) string { return s.baseURL + path }

// record writes an audit event in the change's transaction.
func record(ctx context.Context, db bun.IDB, action string, actor *User, subject int64, ip, detail string) error {
	e := audit.Event{Action: action, IP: ip, Detail: detail}
	if actor != nil {
		e.ActorID = &actor.ID
	}
	if subject != 0 {
		e.SubjectID = &subject
	}
	return audit.Record(ctx, db, e)
}
