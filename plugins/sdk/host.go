package sdk

import (
	"errors"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// ErrNoHost is returned by host services when the plugin runs without a host
// (a unit test of a handler).
// Since contract v1.0.
var ErrNoHost = errors.New("sdk: no host to ask")

// Person is someone of the organisation, as the host describes them.
// Since contract v1.0.
type Person struct {
	ID       int64
	Name     string
	Email    string
	Roles    []string
	Locale   string // the language they read, for what is written to them
	TimeZone string // an IANA zone, for the times shown to them
}

// People describes people of the request's organisation by id; ids of anyone
// else are left out.
// Since contract v1.0.
func (r *Request) People(ids ...int64) ([]Person, error) {
	if r.module.host == nil {
		return nil, ErrNoHost
	}
	resp, err := r.module.host.People(r.Context, &pluginv1.PeopleRequest{Token: r.ctx.GetToken(), Ids: ids})
	if err != nil {
		return nil, err
	}
	out := make([]Person, 0, len(resp.GetPeople()))
	for _, p := range resp.GetPeople() {
		out = append(out, Person{ID: p.GetId(), Name: p.GetName(), Email: p.GetEmail(), Roles: p.GetRoles(), Locale: p.GetLocale(), TimeZone: p.GetTimeZone()})
	}
	return out, nil
}

// maxPeople is how many people the host describes in one call.
const maxPeople = 1000

// PeopleByID describes people of the request's organisation by id, as
// People does, in a map: each id asked for once, a thousand to a call (the
// host's bound on one), however many are given. Ids of anyone else are not
// in it.
// Since contract v1.6.
func (r *Request) PeopleByID(ids ...int64) (map[int64]Person, error) {
	seen := make(map[int64]bool, len(ids))
	unique := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	out := make(map[int64]Person, len(unique))
	for len(unique) > 0 {
		batch := unique[:min(len(unique), maxPeople)]
		unique = unique[len(batch):]
		people, err := r.People(batch...)
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			out[p.ID] = p
		}
	}
	return out, nil
}

// Audit records in the organisation's audit log what the person did; the
// action is recorded as "<plugin>.<action>".
// Since contract v1.0.
func (r *Request) Audit(action string, subject int64, detail string) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.Audit(r.Context, &pluginv1.AuditRequest{Token: r.ctx.GetToken(), Action: action, SubjectId: subject, Detail: detail})
	return err
}

// Emit tells the plugins that receive it that something happened in the
// organisation: Emit("note_added", payload) emits "<id>.note_added". The
// receivers run after this call, in the background; Emit does not wait.
// Since contract v1.0.
func (r *Request) Emit(name string, payload []byte) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.Emit(r.Context, &pluginv1.EmitRequest{Token: r.ctx.GetToken(), Name: r.module.manifest.ID + "." + name, Payload: payload})
	return err
}

// Notify leaves a person of the organisation a notice in the portal, and a
// mail when they want the module's mails: message is one of the plugin's
// message ids (a line such as "A new note was added", never the content),
// link one of its pages, such as r.URL("/items/3").
// Since contract v1.1.
func (r *Request) Notify(userID int64, message, link string) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.Notify(r.Context, &pluginv1.NotifyRequest{Token: r.ctx.GetToken(), UserId: userID, SubjectMessage: message, Link: link})
	return err
}

// Mail is a mail the plugin writes to one person, in their language.
// Since contract v1.3.
type Mail struct {
	Subject string // one line
	Text    string // plain text; paragraphs apart by a blank line
	// Calendar is an iCalendar object (CRLF line ends) whose METHOD is
	// Method, REQUEST or CANCEL; calendar programs add, move or remove the
	// event it describes.
	Calendar []byte
	Method   string
}

// Mail sends a person of the organisation a mail in the organisation's
// layout, when they want the module's mails. Write it in their language:
// People gives their locale and time zone, TFor translates.
// Since contract v1.3.
func (r *Request) Mail(userID int64, m Mail) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.Mail(r.Context, &pluginv1.MailRequest{Token: r.ctx.GetToken(), UserId: userID, Subject: m.Subject, Text: m.Text,
		Calendar: m.Calendar, Method: m.Method})
	return err
}
