// Package mail owns outgoing mail: localized templates, composing RFC 5322
// messages, a transactional outbox in the database, and the worker that
// delivers it through SMTP with retries. A mail is queued in the same
// transaction as the change it reports, so a rolled-back change sends nothing
// and a committed one is sent even after a crash or an SMTP outage.
package mail

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Status of a mail in the outbox.
const (
	StatusQueued = "queued" // waiting to be sent (or, without SMTP, kept for the development page)
	StatusSent   = "sent"
	StatusFailed = "failed" // given up: a permanent refusal or too many attempts
)

// Outgoing is one mail in the outbox.
type Outgoing struct {
	bun.BaseModel `bun:"table:mail_outbox"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Recipient     string     `bun:"recipient,notnull"`
	Subject       string     `bun:"subject,notnull"`
	Text          string     `bun:"text_body,notnull"`
	Message       []byte     `bun:"message,notnull"` // the whole RFC 5322 message
	Status        string     `bun:"status,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	ClaimedUntil  *time.Time `bun:"claimed_until"`
	LastError     string     `bun:"last_error,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	SentAt        *time.Time `bun:"sent_at"`
}

// Migrations are the schema changes mail owns.
func Migrations() []store.Migration {
	type outgoing struct {
		bun.BaseModel `bun:"table:mail_outbox"`
		ID            int64      `bun:"id,pk,autoincrement"`
		Recipient     string     `bun:"recipient,notnull"`
		Subject       string     `bun:"subject,notnull"`
		Text          string     `bun:"text_body,notnull"`
		Message       []byte     `bun:"message,notnull"`
		Status        string     `bun:"status,notnull"`
		Attempts      int        `bun:"attempts,notnull"`
		NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
		ClaimedUntil  *time.Time `bun:"claimed_until"`
		LastError     string     `bun:"last_error,notnull"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		SentAt        *time.Time `bun:"sent_at"`
	}
	return []store.Migration{{
		Name: "20261130100000_mail_outbox",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*outgoing)(nil)).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*outgoing)(nil)).Index("mail_outbox_due").Column("status", "next_attempt_at").Exec(ctx)
			return err
		},
		Down: store.DropTables((*outgoing)(nil)),
	}}
}
