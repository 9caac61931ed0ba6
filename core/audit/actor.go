package audit

import (
	"context"

	"github.com/uptrace/bun"
)

// Actor is who does the work a context carries, and from where: the
// signed-in person of a request, set once by the web layer, so that each
// service records what it changed in the change's own transaction without
// every call passing the person along.
type Actor struct {
	UserID int64
	IP     string
}

type actorKey struct{}

// WithActor is ctx doing work on the actor's behalf.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf is the actor ctx works for, if any.
func ActorOf(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Note records, through db (the change's transaction), what the context's
// actor did in an organisation (0: none, such as their own account) to a
// person (0: nobody in particular). Work on nobody's behalf (the demo's
// seed, tools) is no one's action and is not logged.
func Note(ctx context.Context, db bun.IDB, orgID int64, action string, subject int64, detail string) error {
	a, ok := ActorOf(ctx)
	if !ok {
		return nil
	}
	e := Event{Action: action, IP: a.IP, Detail: detail}
	if a.UserID != 0 {
		e.ActorID = &a.UserID
	}
	if orgID != 0 {
		e.OrganisationID = &orgID
	}
	if subject != 0 {
		e.SubjectID = &subject
	}
	return Record(ctx, db, e)
}

// NoteUnnamed is Note for someone who is not the organisation's member
// (declining its invitation): the entry names them by what the
// organisation knew (detail, the address it typed), never by their
// account, so the log tells it no more than it knew.
func NoteUnnamed(ctx context.Context, db bun.IDB, orgID int64, action, detail string) error {
	a, ok := ActorOf(ctx)
	if !ok {
		return nil
	}
	return Record(ctx, db, Event{Action: action, IP: a.IP, Detail: detail, OrganisationID: &orgID})
}
