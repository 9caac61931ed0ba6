package mail

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/store"
)

// Mailer queues mails and delivers them.
type Mailer struct {
	db       *store.DB
	cfg      config.Mail
	log      *slog.Logger
	composer *Composer
	nudge    chan struct{}
	// Now is the mailer's clock; tests move it to skip retry pauses.
	Now func() time.Time
}

// NewMailer returns a Mailer over the outbox in db.
func NewMailer(db *store.DB, cfg config.Mail, composer *Composer, log *slog.Logger) *Mailer {
	return &Mailer{db: db, cfg: cfg, log: log, composer: composer, nudge: make(chan struct{}, 1), Now: time.Now}
}

// Delivering tells whether an SMTP server is configured; without one mails
// stay in the outbox for the development mail page.
func (m *Mailer) Delivering() bool { return m.cfg.SMTPHost != "" }

// Queue composes the named mail in the recipient's language and adds it to
// the outbox in the transaction ctx carries, that of the change the mail
// reports. A calendar, when given, goes with it.
func (m *Mailer) Queue(ctx context.Context, to, locale, name string, data map[string]any, cal ...Calendar) error {
	composed, err := m.composer.Compose(to, locale, name, data)
	if err != nil {
		return err
	}
	if len(cal) > 0 {
		composed.Calendar = cal[0]
	}
	now := m.Now().UTC()
	raw, err := build(m.cfg.From, composed, now)
	if err != nil {
		return err
	}
	out := &Outgoing{Recipient: to, Subject: composed.Subject, Text: composed.Text, Message: raw,
		Status: StatusQueued, NextAttemptAt: now, CreatedAt: now}
	if _, err := m.db.In(ctx).NewInsert().Model(out).Exec(ctx); err != nil {
		return fmt.Errorf("mail: queue %s: %w", name, err)
	}
	if !m.Delivering() {
		// Development: the links are what a developer needs to go on.
		m.log.Info("mail kept in the outbox (no smtp_host): see /dev/mail", "to", to, "subject", composed.Subject, "links", links.FindAllString(composed.Text, -1))
	}
	select {
	case m.nudge <- struct{}{}:
	default:
	}
	return nil
}

var links = regexp.MustCompile(`https?://\S+`)

// Run delivers due mails until ctx ends: right after Queue, and every few
// seconds for retries and for mails queued by other instances.
func (m *Mailer) Run(ctx context.Context) {
	if !m.Delivering() {
		return
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if _, err := m.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("mail delivery pass failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-m.nudge:
		}
	}
}

// claimFor is how long a worker owns a mail it is sending; a worker that dies
// mid-send loses it after this, and another sends it.
const claimFor = 2 * time.Minute

// DeliverDue sends every mail that is due and returns how many were sent.
func (m *Mailer) DeliverDue(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		out, err := m.claim(ctx)
		if err != nil || out == nil {
			return sent, err
		}
		err = m.send(out)
		if err := m.settle(ctx, out, err); err != nil {
			return sent, err
		}
		if out.Status == StatusSent {
			sent++
		}
	}
	return sent, ctx.Err()
}

// claim takes the oldest due mail with a conditional update, so two workers
// (or two instances) never send the same mail.
func (m *Mailer) claim(ctx context.Context) (*Outgoing, error) {
	now := m.Now().UTC()
	for range 5 {
		out := new(Outgoing)
		err := m.db.NewSelect().Model(out).
			Where("status = ?", StatusQueued).Where("next_attempt_at <= ?", now).
			Where("(claimed_until IS NULL OR claimed_until < ?)", now).
			Order("id").Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		until := now.Add(claimFor)
		res, err := m.db.NewUpdate().Model((*Outgoing)(nil)).Set("claimed_until = ?", until).
			Where("id = ?", out.ID).Where("status = ?", StatusQueued).
			Where("(claimed_until IS NULL OR claimed_until < ?)", now).Exec(ctx)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out.ClaimedUntil = &until
			return out, nil
		}
	}
	return nil, nil // others are busy with everything due
}

// settle records the outcome: sent, retry later with a growing pause, or given
// up after a permanent refusal or the last attempt.
func (m *Mailer) settle(ctx context.Context, out *Outgoing, sendErr error) error {
	now := m.Now().UTC()
	out.Attempts++
	q := m.db.NewUpdate().Model((*Outgoing)(nil)).Where("id = ?", out.ID).
		Set("attempts = ?", out.Attempts).Set("claimed_until = NULL")
	switch {
	case sendErr == nil:
		out.Status = StatusSent
		q = q.Set("status = ?", StatusSent).Set("sent_at = ?", now).Set("last_error = ''")
	case permanent(sendErr) || out.Attempts >= m.cfg.MaxAttempts:
		out.Status = StatusFailed
		q = q.Set("status = ?", StatusFailed).Set("last_error = ?", sendErr.Error())
		m.log.Error("mail given up", "id", out.ID, "to", out.Recipient, "attempts", out.Attempts, "error", sendErr.Error())
	default:
		q = q.Set("next_attempt_at = ?", now.Add(backoff(out.Attempts))).Set("last_error = ?", sendErr.Error())
		m.log.Warn("mail not sent, will retry", "id", out.ID, "attempts", out.Attempts, "error", sendErr.Error())
	}
	_, err := q.Exec(ctx)
	return err
}

// backoff is 10 s doubling per attempt up to an hour, with ±20 % jitter so
// that mails held up by one outage do not all return at once.
func backoff(attempts int) time.Duration {
	d := 10 * time.Second << min(attempts-1, 9)
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// permanent tells a 5xx refusal (bad address, rejected) from a passing trouble.
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

// send delivers one message through the configured SMTP server.
func (m *Mailer) send(out *Outgoing) error {
	addr := net.JoinHostPort(m.cfg.SMTPHost, strconv.Itoa(m.cfg.SMTPPort))
	dialer := &net.Dialer{Timeout: 15 * time.Second}
	var conn net.Conn
	var err error
	tlsConfig := &tls.Config{ServerName: m.cfg.SMTPHost, MinVersion: tls.VersionTLS12}
	if m.cfg.TLS == "tls" {
		conn, err = tls.DialWithDialer(dialer, "tcp", addr, tlsConfig)
	} else {
		conn, err = dialer.Dial("tcp", addr)
	}
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	c, err := smtp.NewClient(conn, m.cfg.SMTPHost)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if m.cfg.TLS == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mail: %s does not offer STARTTLS; set mail.tls to none only for a local relay", addr)
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return err
		}
	}
	if m.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, m.cfg.SMTPHost)); err != nil {
			return err
		}
	}
	from, _ := netmail.ParseAddress(m.cfg.From) // checked by config
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	to, err := netmail.ParseAddress(out.Recipient)
	if err != nil {
		return &textproto.Error{Code: 553, Msg: "not an address: " + out.Recipient}
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(out.Message); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Recent lists the newest mails in the outbox, for the development mail page.
func (m *Mailer) Recent(ctx context.Context, limit int) ([]Outgoing, error) {
	var list []Outgoing
	err := m.db.NewSelect().Model(&list).Order("id DESC").Limit(int64(limit)).Scan(ctx)
	return list, err
}
