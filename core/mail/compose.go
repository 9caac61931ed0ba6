package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/atriumhq/atrium/core/i18n"
)

// Composer renders mails from the theme's mail/ folder: <name>.txt (plain
// text), <name>.html (inside mail/layout.html) and the subject from the
// message mail.<name>.subject, all in the recipient's language.
type Composer struct {
	html    *htmltemplate.Template
	text    *texttemplate.Template
	catalog *i18n.Catalog
}

// Mail is a composed message before it is queued.
type Mail struct {
	To, Subject, Text, HTML string
	Calendar                Calendar
}

// Calendar is an iCalendar invitation sent with a mail: calendar programs
// offer to add, move or remove the event by its UID.
type Calendar struct {
	Data   []byte // the VCALENDAR object; empty for none
	Method string // its METHOD: REQUEST (new or changed) or CANCEL
}

// NewComposer parses the theme's mail templates.
func NewComposer(theme fs.FS, catalog *i18n.Catalog) (*Composer, error) {
	funcs := map[string]any{
		"t":    func(string, ...any) string { return "" },
		"term": func(string, ...int) string { return "" },
	}
	html, err := htmltemplate.New("mail").Funcs(funcs).ParseFS(theme, "mail/*.html")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	text, err := texttemplate.New("mail").Funcs(funcs).ParseFS(theme, "mail/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	return &Composer{html: html, text: text, catalog: catalog}, nil
}

// Compose renders the named mail for one recipient in locale. Data is
// available to the templates as .Data.
func (c *Composer) Compose(to, locale, name string, data map[string]any) (Mail, error) {
	loc := c.catalog.Localizer(locale)
	funcs := map[string]any{"t": loc.T, "term": loc.Term}
	view := map[string]any{"Data": data, "Locale": loc.Locale, "Subject": loc.T("mail."+name+".subject", data)}

	// Clones of the never-executed masters, so concurrent mails in several
	// languages never share bound functions.
	ht, err := c.html.Clone()
	if err != nil {
		return Mail{}, err
	}
	tt, err := c.text.Clone()
	if err != nil {
		return Mail{}, err
	}
	var body, page, text bytes.Buffer
	if err := ht.Funcs(funcs).ExecuteTemplate(&body, name+".html", view); err != nil {
		return Mail{}, fmt.Errorf("mail %s: %w", name, err)
	}
	view["Content"] = htmltemplate.HTML(body.String())
	if err := ht.ExecuteTemplate(&page, "layout.html", view); err != nil {
		return Mail{}, fmt.Errorf("mail layout: %w", err)
	}
	if err := tt.Funcs(funcs).ExecuteTemplate(&text, name+".txt", view); err != nil {
		return Mail{}, fmt.Errorf("mail %s: %w", name, err)
	}
	return Mail{To: to, Subject: view["Subject"].(string), Text: text.String(), HTML: page.String()}, nil
}

// build writes the RFC 5322 message: plain text and HTML as alternatives,
// both quoted-printable, UTF-8 subject encoded. A calendar goes in twice,
// as mail programs look for it: as a third alternative (text/calendar with
// its method, what Outlook and Gmail act on) and as an invite.ics
// attachment (what the others offer to open).
func build(from string, m Mail, now time.Time) ([]byte, error) {
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, err
	}
	rcpt, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: %q is not an address", m.To)
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := sender.Address[strings.LastIndex(sender.Address, "@")+1:]
	headers := []string{
		"From: " + sender.String(),
		"To: " + rcpt.String(),
		"Subject: " + mime.QEncoding.Encode("utf-8", m.Subject),
		"Date: " + now.Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id) + "@" + domain + ">",
		"MIME-Version: 1.0",
		"Auto-Submitted: auto-generated",
	}
	parts := []part{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}}
	cal := len(m.Calendar.Data) > 0
	if cal {
		parts = append(parts, part{"text/calendar; charset=utf-8; method=" + m.Calendar.Method, string(m.Calendar.Data)})
	}
	var alt bytes.Buffer
	aw := multipart.NewWriter(&alt)
	for _, p := range parts {
		if err := p.write(aw, nil); err != nil {
			return nil, err
		}
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	var head bytes.Buffer
	if !cal {
		head.WriteString(strings.Join(append(headers, "Content-Type: multipart/alternative; boundary="+aw.Boundary()), "\r\n") + "\r\n\r\n")
		return append(head.Bytes(), alt.Bytes()...), nil
	}
	var mixed bytes.Buffer
	mw := multipart.NewWriter(&mixed)
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/alternative; boundary=" + aw.Boundary()}})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(alt.Bytes()); err != nil {
		return nil, err
	}
	attachment := part{"application/ics; name=invite.ics", string(m.Calendar.Data)}
	if err := attachment.write(mw, textproto.MIMEHeader{"Content-Disposition": {"attachment; filename=invite.ics"}}); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	head.WriteString(strings.Join(append(headers, "Content-Type: multipart/mixed; boundary="+mw.Boundary()), "\r\n") + "\r\n\r\n")
	return append(head.Bytes(), mixed.Bytes()...), nil
}

// part is one body part of a message, written quoted-printable with CRLF
// line ends.
type part struct{ contentType, body string }

func (p part) write(mw *multipart.Writer, extra textproto.MIMEHeader) error {
	h := textproto.MIMEHeader{"Content-Type": {p.contentType}, "Content-Transfer-Encoding": {"quoted-printable"}}
	for k, v := range extra {
		h[k] = v
	}
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(w)
	body := strings.ReplaceAll(strings.ReplaceAll(p.body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return err
	}
	return qp.Close()
}
