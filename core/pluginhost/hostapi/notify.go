package hostapi

import (
	"context"
	"fmt"
	"net/url"
	pathpkg "path"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/mail"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Notify leaves a person of the call's organisation a notice: a line from the
// plugin's messages and a link to one of its pages. Mail follows when the
// person wants the module's mails. Anyone outside the organisation is
// refused as if they did not exist.
func (s *Service) Notify(ctx context.Context, req *pluginv1.NotifyRequest) (*pluginv1.NotifyResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	message, link := req.GetSubjectMessage(), req.GetLink()
	if !strings.HasPrefix(message, s.Plugin+".") || len(message) > 100 {
		return nil, status.Errorf(codes.InvalidArgument, "a notice's message is one of the plugin's, %s.…", s.Plugin)
	}
	if !ownLink(s.Plugin, link) {
		return nil, status.Errorf(codes.InvalidArgument, "a notice links to one of the plugin's pages, /m/%s/…", s.Plugin)
	}
	members, err := s.deps.Orgs.RolesAmong(ctx, sc.OrgID, []int64{req.GetUserId()})
	if err != nil {
		return nil, err
	}
	if _, ok := members[req.GetUserId()]; !ok {
		return nil, status.Error(codes.NotFound, "no such person in the organisation")
	}
	if err := s.deps.Notify(ctx, sc.OrgID, req.GetUserId(), s.Plugin, message, link); err != nil {
		return nil, err
	}
	return &pluginv1.NotifyResponse{}, nil
}

// ownLink tells whether link is a path below the plugin's pages, and nothing
// else, as a browser will read it: decoded (%2e%2e is ..), with no dot
// segments, doubled slashes, backslashes or control characters, and short.
func ownLink(plugin, link string) bool {
	if len(link) > 500 {
		return false
	}
	path, _, _ := strings.Cut(link, "?")
	decoded, err := url.PathUnescape(path)
	if err != nil || strings.ContainsAny(decoded, "\\") || strings.Contains(decoded, "//") || strings.ContainsFunc(link, unicode.IsControl) {
		return false
	}
	for _, seg := range strings.Split(decoded, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return strings.HasPrefix(decoded, "/m/"+plugin+"/") && pathpkg.Clean(decoded) == strings.TrimSuffix(decoded, "/")
}

// Mail sends a person of the call's organisation a mail the plugin wrote in
// their language, with an iCalendar object when given. The text is shown
// escaped; the calendar must be one VCALENDAR whose METHOD is the one named.
func (s *Service) Mail(ctx context.Context, req *pluginv1.MailRequest) (*pluginv1.MailResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	subject, text := strings.TrimSpace(req.GetSubject()), req.GetText()
	switch {
	case s.deps.Mail == nil:
		return nil, status.Error(codes.Unimplemented, "mail is not served by this host")
	case subject == "" || utf8.RuneCountInString(subject) > 200 || strings.ContainsAny(subject, "\r\n"):
		return nil, status.Error(codes.InvalidArgument, "a subject is one line of 1 to 200 characters")
	case len(text) > 20000 || !utf8.ValidString(text):
		return nil, status.Error(codes.InvalidArgument, "a mail's text is UTF-8 of at most 20,000 bytes")
	}
	cal := mail.Calendar{Data: req.GetCalendar(), Method: req.GetMethod()}
	if len(cal.Data) > 0 {
		if err := checkCalendar(cal); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	members, err := s.deps.Orgs.RolesAmong(ctx, sc.OrgID, []int64{req.GetUserId()})
	if err != nil {
		return nil, err
	}
	if _, ok := members[req.GetUserId()]; !ok {
		return nil, status.Error(codes.NotFound, "no such person in the organisation")
	}
	if err := s.deps.Mail(ctx, sc.OrgID, req.GetUserId(), s.Plugin, subject, text, cal); err != nil {
		return nil, err
	}
	return &pluginv1.MailResponse{}, nil
}

// checkCalendar accepts one small VCALENDAR whose METHOD line is the
// method named, REQUEST or CANCEL: what mail programs act on.
func checkCalendar(cal mail.Calendar) error {
	text := string(cal.Data)
	switch {
	case len(cal.Data) > 64<<10 || !utf8.Valid(cal.Data):
		return fmt.Errorf("a calendar is UTF-8 of at most 64 KiB")
	case cal.Method != "REQUEST" && cal.Method != "CANCEL":
		return fmt.Errorf("a calendar's method is REQUEST or CANCEL")
	case !strings.HasPrefix(text, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(text, "END:VCALENDAR\r\n"):
		return fmt.Errorf("a calendar is one VCALENDAR with CRLF line ends")
	case !strings.Contains(text, "\r\nMETHOD:"+cal.Method+"\r\n"):
		return fmt.Errorf("the calendar's METHOD must be %s", cal.Method)
	}
	return nil
}
