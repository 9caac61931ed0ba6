package main

import (
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// seedDemo opens the conversation of the demo's coach with their coachee,
// with a welcome from the coach that the coachee has not read yet, so the
// demo shows a count and a conversation from the first start. A
// conversation with messages is left as it is.
func seedDemo(r *sdk.Request, people sdk.DemoPeople) error {
	if people.Coachee == 0 {
		return nil
	}
	c, err := open(r, people.Coachee)
	if err != nil {
		return err
	}
	n, err := r.DB().NewSelect().Model((*message)(nil)).Where("organisation_id = ? AND conversation_id = ?", r.OrganisationID(), c.ID).Count(r.Context)
	if err != nil || n > 0 {
		return err
	}
	m := &message{OrganisationID: r.OrganisationID(), ConversationID: c.ID, AuthorID: r.UserID(), Body: r.T("chat.demo.welcome"), CreatedAt: time.Now().UTC()}
	if err := keep(r, c, m); err != nil {
		return err
	}
	return recount(r, people.Coachee)
}
