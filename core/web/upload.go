package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/refusal"
)

// UploadRule is how a form takes files.
type UploadRule struct {
	Fields   []string // the fields that take files
	Accept   []string // kinds or types (files.Kinds); empty: files.DefaultKinds
	MaxBytes int64    // largest file; 0: what the subscription allows
	MaxFiles int      // most files in one form; 0: DefaultMaxFiles
}

// DefaultMaxFiles is how many files a form takes at once unless its rule
// says otherwise.
const DefaultMaxFiles = 10

// maxUploadFields bounds the text fields of a form that uploads.
const maxUploadFields = 1 << 20

// errUploadForm is a multipart body that cannot be read.
var errUploadForm = refusal.New(refusal.Invalid, "web: the upload could not be read", "files.error.form")

// AcceptUploads marks a route whose multipart forms are read as they
// arrive (ReadUpload) rather than whole: its body may be larger than
// server.body_limit_mb, and its form's token is checked as the form is
// read. path may hold :parameters.
func (s *Server) AcceptUploads(method, path string) {
	s.uploadsMu.Lock()
	defer s.uploadsMu.Unlock()
	s.uploads = append(s.uploads, append([]string{strings.ToUpper(method)}, strings.Split(strings.Trim(path, "/"), "/")...))
}

// isUpload tells whether a request is a multipart form sent to a route
// (method and path) that reads uploads as they arrive.
func (s *Server) isUpload(c fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost && c.Method() != fiber.MethodPut {
		return false
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		return false
	}
	parts := append([]string{c.Method()}, strings.Split(strings.Trim(c.Path(), "/"), "/")...)
	s.uploadsMu.RLock()
	defer s.uploadsMu.RUnlock()
	for _, pattern := range s.uploads {
		if len(pattern) == len(parts) && samePath(pattern, parts) {
			return true
		}
	}
	return false
}

func samePath(pattern, parts []string) bool {
	for i, p := range pattern {
		if !strings.HasPrefix(p, ":") && p != parts[i] {
			return false
		}
	}
	return true
}

// ReadUpload reads a multipart form as it arrives: its text fields into
// the values it gives, each file straight into the file service (as the
// viewer's, kept by owner and not yet claimed), the file fields then
// holding the stored files' ids. The form's token must come before its
// first file, as every form of the portal puts it. A file or field the
// rule does not take refuses the whole form, and the files stored before
// it are removed: nothing is half kept.
func (s *Server) ReadUpload(c fiber.Ctx, svc *files.Service, owner string, rule UploadRule) (url.Values, []int64, error) {
	v := CurrentViewer(c)
	_, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || params["boundary"] == "" {
		return nil, nil, errUploadForm
	}
	// The stream as it arrives: asking for the body would read it whole.
	var body io.Reader
	if c.Request().IsBodyStream() {
		body = c.Request().BodyStream()
	} else {
		body = bytes.NewReader(c.Body())
	}
	release, ok := s.uploadSlot(v.User.ID)
	if !ok {
		return nil, nil, fiber.ErrServiceUnavailable
	}
	defer release()
	if conn := c.RequestCtx().Conn(); conn != nil {
		body = &patientReader{r: body, conn: conn, until: time.Now().Add(uploadLongest)}
	}
	u := &upload{c: c, svc: svc, rule: rule, values: url.Values{}, trusted: !csrfPending(c),
		base: files.Upload{OrganisationID: v.Org.ID, Owner: owner, UploadedBy: &v.User.ID, Accept: rule.Accept, MaxBytes: rule.MaxBytes}}
	if u.rule.MaxFiles <= 0 {
		u.rule.MaxFiles = DefaultMaxFiles
	}
	if err := u.read(multipart.NewReader(body, params["boundary"])); err != nil {
		u.undo()
		if !u.trusted {
			return nil, nil, errFormExpired // nothing of a form without its token reaches anyone
		}
		return nil, nil, err
	}
	if !u.trusted {
		return nil, nil, errFormExpired
	}
	if u.refused != nil {
		return u.values, nil, u.refused
	}
	return u.values, u.stored, nil
}

// upload is one form being read.
type upload struct {
	c       fiber.Ctx
	svc     *files.Service
	rule    UploadRule
	base    files.Upload
	values  url.Values
	stored  []int64
	text    int  // bytes of text fields so far
	trusted bool // the form's token matched (or came in the header)
	// refused is why a file was refused; later files are then skipped.
	refused error
}

func (u *upload) read(mr *multipart.Reader) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errUploadForm
		}
		name := part.FormName()
		if part.FileName() == "" || name == "" {
			if err := u.field(name, part); err != nil {
				return err
			}
			continue
		}
		if u.refused != nil {
			continue // the next part skips what is left of this one
		}
		if err := u.file(name, part); err != nil {
			var r *refusal.Error
			if !errors.As(err, &r) {
				return err
			}
			u.undo()
			u.stored, u.refused = nil, r
			u.values.Del(name)
			for _, f := range u.rule.Fields {
				u.values.Del(f)
			}
		}
	}
}

// field reads a text field (an empty file input is one too: the browser
// sends it without a name).
func (u *upload) field(name string, part *multipart.Part) error {
	b, err := io.ReadAll(io.LimitReader(part, int64(maxUploadFields-u.text)+1))
	if err != nil {
		return errUploadForm
	}
	u.text += len(b)
	if u.text > maxUploadFields {
		return fiber.ErrRequestEntityTooLarge
	}
	if name == "" || slices.Contains(u.rule.Fields, name) {
		return nil // a file input left empty
	}
	if err := textProblem([]byte(name)); err != nil {
		return err
	}
	if err := textProblem(b); err != nil {
		return err
	}
	if name == csrfField && !u.trusted {
		u.trusted = subtle.ConstantTimeCompare(b, []byte(u.c.Cookies(csrfCookie))) == 1 && len(b) > 0
		return nil
	}
	u.values.Add(name, string(b))
	return nil
}

// file stores one file of the form.
func (u *upload) file(name string, part *multipart.Part) error {
	if !u.trusted {
		return errFormExpired // no byte is kept before the form is known to be the person's
	}
	if !slices.Contains(u.rule.Fields, name) {
		return errUploadForm.On(name)
	}
	if len(u.stored) >= u.rule.MaxFiles {
		return files.ErrTooMany.On(name)
	}
	if err := textProblem([]byte(part.FileName())); err != nil {
		return err
	}
	up := u.base
	up.Name = part.FileName()
	f, err := u.svc.Store(u.c.Context(), up, part)
	if err != nil {
		var r *refusal.Error
		if errors.As(err, &r) {
			return r.On(name)
		}
		return err
	}
	u.stored = append(u.stored, f.ID)
	u.values.Add(name, strconv.FormatInt(f.ID, 10))
	return nil
}

// undo removes what a refused form had stored.
func (u *upload) undo() {
	ctx := context.WithoutCancel(u.c.Context())
	for _, id := range u.stored {
		_ = u.svc.Delete(ctx, u.base.OrganisationID, u.base.Owner, id)
	}
}

// patientReader gives a long upload time as long as its bytes keep coming:
// each read may take uploadIdle, and the whole at most until its end.
type patientReader struct {
	r     io.Reader
	conn  net.Conn
	until time.Time
}

// uploadIdle is how long an upload may stall before it is given up, and
// uploadLongest how long one may take in all.
const (
	uploadIdle    = 30 * time.Second
	uploadLongest = time.Hour
)

func (p *patientReader) Read(b []byte) (int, error) {
	deadline := time.Now().Add(uploadIdle)
	if deadline.After(p.until) {
		deadline = p.until
	}
	_ = p.conn.SetReadDeadline(deadline)
	return p.r.Read(b)
}

// Uploads read at once: each holds a connection and, for an S3 store, a
// part's buffer, so their number is bounded, in all and per person.
const (
	uploadsAtOnce          = 32
	uploadsAtOncePerPerson = 3
)

// uploadSlot takes one of the places for an upload being read, or tells
// that there is none; release gives it back.
func (s *Server) uploadSlot(person int64) (release func(), ok bool) {
	s.uploadsMu.Lock()
	defer s.uploadsMu.Unlock()
	if s.reading == nil {
		s.reading = map[int64]int{}
	}
	total := 0
	for _, n := range s.reading {
		total += n
	}
	if total >= uploadsAtOnce || s.reading[person] >= uploadsAtOncePerPerson {
		return nil, false
	}
	s.reading[person]++
	return func() {
		s.uploadsMu.Lock()
		defer s.uploadsMu.Unlock()
		if s.reading[person]--; s.reading[person] <= 0 {
			delete(s.reading, person)
		}
	}, true
}

// boundBody keeps every request body within limit but a streamed
// upload's (which ReadUpload bounds as it reads), and leaves no byte of a
// body on the connection for the next request to be read from. Bodies
// arrive as streams (StreamRequestBody), which fasthttp neither bounds
// nor finishes reading when a handler does not: unread, their rest would
// be taken for a request of its own. So a body is read here, whole, and
// a connection whose body is not (too large, or an upload that may stop
// being read) is closed after its answer. It runs first, before anything
// answers; a body too large is refused once the page's language is known
// (refuseLarge).
func (s *Server) boundBody(limit int) fiber.Handler {
	return func(c fiber.Ctx) error {
		req := c.Request()
		if !req.IsBodyStream() {
			return c.Next()
		}
		if s.isUpload(c) {
			c.Response().Header.SetConnectionClose()
			return c.Next()
		}
		if req.Header.ContentLength() <= limit { // or unknown (chunked)
			b, err := io.ReadAll(io.LimitReader(req.BodyStream(), int64(limit)+1))
			if err != nil {
				c.Response().Header.SetConnectionClose()
				return fiber.ErrBadRequest
			}
			if len(b) <= limit {
				req.SetBody(b)
				return c.Next()
			}
			req.SetBody(nil)
		}
		// Too large: refused once the language is known, on a connection
		// that is not used again.
		c.Response().Header.SetConnectionClose()
		c.Locals(localTooLarge, true)
		return c.Next()
	}
}

// localTooLarge marks a request whose body passed the limit, unread.
const localTooLarge = "atrium.body.too_large"

// refuseLarge answers 413, in the person's language, for a body boundBody
// found too large; it runs before anything reads a body.
func refuseLarge(c fiber.Ctx) error {
	if large, _ := c.Locals(localTooLarge).(bool); large {
		return fiber.ErrRequestEntityTooLarge
	}
	return c.Next()
}
