package notify

import (
	"context"

	"github.com/atriumhq/atrium/core/announcement"
	"github.com/atriumhq/atrium/core/notice"
)

// Announced leaves the organisation's people a notice of a new announcement
// and mails those who want it: the organisation's name and a link, never
// the text. It runs in the transaction that posts the announcement.
func (n *Notifier) Announced(ctx context.Context, ann *announcement.Announcement) error {
	members, err := n.Orgs.MemberIDs(ctx, ann.OrganisationID)
	if err != nil {
		return err
	}
	org, err := n.Orgs.ByID(ctx, ann.OrganisationID)
	if err != nil {
		return err
	}
	var ids []int64
	for id := range members {
		if id != ann.AuthorID {
			ids = append(ids, id)
		}
	}
	// Everyone gets a notice in the portal; mail only goes to those who want it.
	notices := make([]notice.Notice, len(ids))
	for i, id := range ids {
		notices[i] = notice.Notice{OrganisationID: ann.OrganisationID, UserID: id, Module: announcement.Module,
			Message: "notices.announcement", Link: "/announcements"}
	}
	if err := n.Notices.AddMany(ctx, notices); err != nil {
		return err
	}
	people, err := n.Identity.Recipients(ctx, ids, "announcement")
	if err != nil {
		return err
	}
	for _, p := range people {
		data := map[string]any{"Organisation": org.Name, "Link": n.BaseURL + "/announcements", "Colour": n.Colours.Of(ctx, org.ID)}
		if err := n.Identity.QueueNotice(ctx, p, "announcement", data); err != nil {
			return err
		}
	}
	return nil
}
