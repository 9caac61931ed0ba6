package coretest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/atriumhq/atrium/core/config"
)

// MailServer is a real SMTP server (emersion/go-smtp) on a loopback port that
// keeps what it receives.
type MailServer struct {
	t        testing.TB
	Host     string
	Port     int
	mu       sync.Mutex
	received []Received
	refuse   map[string]int // recipient → SMTP code to refuse with
	server   *smtp.Server
	ln       net.Listener
}

// Received is one delivered message.
type Received struct {
	From, To string
	Raw      []byte
}

// SMTP starts a mail server that stops when the test ends.
func SMTP(t testing.TB) *MailServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &MailServer{t: t, refuse: map[string]int{}}
	m.Host, m.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	m.start(ln)
	t.Cleanup(m.Stop)
	return m
}

func (m *MailServer) start(ln net.Listener) {
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{m: m}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	m.server, m.ln = s, ln
	go func() { _ = s.Serve(ln) }()
}

// Stop shuts the server down, as an outage would. The listener is closed here
// too, in case Serve has not taken it yet.
func (m *MailServer) Stop() {
	_ = m.ln.Close()
	_ = m.server.Close()
}

// Restart brings the server back on the same port after Stop.
func (m *MailServer) Restart() {
	var ln net.Listener
	var err error
	for range 50 { // the old socket may take a moment to go
		if ln, err = net.Listen("tcp", net.JoinHostPort(m.Host, strconv.Itoa(m.Port))); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		m.t.Fatal(err)
	}
	m.start(ln)
}

// Refuse makes the server refuse mail to addr with an SMTP code such as 550.
func (m *MailServer) Refuse(addr string, code int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refuse[addr] = code
}

// Configure points a configuration's mail section at this server.
func (m *MailServer) Configure(cfg *config.Config) {
	cfg.Mail.SMTPHost, cfg.Mail.SMTPPort, cfg.Mail.TLS = m.Host, m.Port, "none"
}

// Messages returns what has arrived so far.
func (m *MailServer) Messages() []Received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Received(nil), m.received...)
}

// WaitFor waits until a message to addr has arrived and returns the newest.
func (m *MailServer) WaitFor(addr string) Received {
	m.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		msgs := m.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].To == addr {
				return msgs[i]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	m.t.Fatalf("no mail to %s arrived", addr)
	return Received{}
}

// Subject decodes the message's subject.
func (r Received) Subject() string {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return ""
	}
	s, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	return s
}

// Part returns the decoded body part of the given type, such as
// "text/plain" or "text/calendar", looking into nested multiparts.
func (r Received) Part(kind string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return ""
	}
	return findPart(msg.Header.Get("Content-Type"), msg.Body, kind)
}

func findPart(contentType string, body io.Reader, kind string) string {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(media, "multipart/") {
		return ""
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ""
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, kind) {
			data, _ := io.ReadAll(p) // NextPart decodes quoted-printable
			return strings.ReplaceAll(string(data), "\r\n", "\n")
		}
		if found := findPart(ct, p, kind); found != "" {
			return found
		}
	}
}

// Link returns the first link in the plain text that contains part.
func (r Received) Link(part string) string {
	for _, l := range regexp.MustCompile(`https?://\S+`).FindAllString(r.Part("text/plain"), -1) {
		if strings.Contains(l, part) {
			return l
		}
	}
	return ""
}

type smtpSession struct {
	m        *MailServer
	from, to string
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.mu.Lock()
	code := s.m.refuse[to]
	s.m.mu.Unlock()
	if code != 0 {
		return &smtp.SMTPError{Code: code, Message: "refused by the test"}
	}
	s.to = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.received = append(s.m.received, Received{From: s.from, To: s.to, Raw: raw})
	return nil
}
