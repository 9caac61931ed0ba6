package identity

import (
	"context"
	"slices"
	"sync"

	"github.com/uptrace/bun"

	mailer "github.com/atriumhq/atrium/core/mail"
)

// MailKind is a kind of notification mail a person may turn off. Service
// mails (invitations, password links, address changes) are not kinds: they
// always go out.
type MailKind struct {
	Key     string // "announcement"
	Label   string // message id
	Default bool   // on unless the person turned it off
}

// mailKinds are the notification mails people of one installation choose
// between: the core's and those its modules add as they start.
type mailKinds struct {
	mu    sync.RWMutex
	kinds []MailKind
}

func newMailKinds() *mailKinds {
	return &mailKinds{kinds: []MailKind{{Key: "announcement", Label: "settings.notifications.announcement", Default: true}}}
}

// AddMailKind adds a module's kind once; adding it again changes nothing.
func (s *Service) AddMailKind(k MailKind) {
	s.kinds.mu.Lock()
	defer s.kinds.mu.Unlock()
	for _, have := range s.kinds.kinds {
		if have.Key == k.Key {
			return
		}
	}
	// A new slice, so a request reading the old one is never written under.
	s.kinds.kinds = append(slices.Clip(s.kinds.kinds), k)
}

// MailKinds are the notification mails people choose between.
func (s *Service) MailKinds() []MailKind {
	s.kinds.mu.RLock()
	defer s.kinds.mu.RUnlock()
	return s.kinds.kinds
}

type mailPreference struct {
	bun.BaseModel `bun:"table:mail_preferences"`

	UserID  int64  `bun:"user_id,pk"`
	Kind    string `bun:"kind,pk"`
	Enabled bool   `bun:"enabled,notnull"`
}

// MailPreferences gives each kind's setting for a person.
func (s *Service) MailPreferences(ctx context.Context, userID int64) (map[string]bool, error) {
	var rows []mailPreference
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, k := range s.MailKinds() {
		out[k.Key] = k.Default
	}
	for _, r := range rows {
		out[r.Kind] = r.Enabled
	}
	return out, nil
}

// SetMailPreferences saves which kinds a person receives; unknown kinds are ignored.
func (s *Service) SetMailPreferences(ctx context.Context, userID int64, on []string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		for _, k := range s.MailKinds() {
			row := &mailPreference{UserID: userID, Kind: k.Key, Enabled: slices.Contains(on, k.Key)}
			if _, err := tx.NewInsert().Model(row).On("CONFLICT (user_id, kind) DO UPDATE").Set("enabled = EXCLUDED.enabled").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// Recipients keeps the people who receive mails of a kind, with their address
// and language, in one query, in the transaction ctx carries.
func (s *Service) Recipients(ctx context.Context, userIDs []int64, kind string) ([]User, error) {
	var users []User
	if len(userIDs) == 0 {
		return users, nil
	}
	def := false
	for _, k := range s.MailKinds() {
		if k.Key == kind {
			def = k.Default
		}
	}
	q := s.db.In(ctx).NewSelect().Model(&users).Column("id", "email", "given_name", "locale").
		Where("id IN (?)", bun.List(userIDs)).Where("status = ?", StatusActive)
	if def {
		q = q.Where("NOT EXISTS (SELECT 1 FROM mail_preferences p WHERE p.user_id = ?TableAlias.id AND p.kind = ? AND p.enabled = ?)", kind, false)
	} else {
		q = q.Where("EXISTS (SELECT 1 FROM mail_preferences p WHERE p.user_id = ?TableAlias.id AND p.kind = ? AND p.enabled = ?)", kind, true)
	}
	err := q.Scan(ctx)
	return users, err
}

// QueueNotice mails a person of their kinds of mail: that something new
// waits for them (never what it says), or what a module wrote for them.
// The mail is queued in the transaction ctx carries.
func (s *Service) QueueNotice(ctx context.Context, u User, name string, data map[string]any, cal ...mailer.Calendar) error {
	data["Name"] = u.GivenName
	return s.mail.Queue(ctx, u.Email, u.Locale, name, data, cal...)
}
