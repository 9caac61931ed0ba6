package notify

import (
	"context"
	"strings"

	"github.com/atriumhq/atrium/core/mail"
)

// Mail sends a person a mail a module wrote in their language (subject and
// plain text, shown escaped in the organisation's layout), with a calendar
// when given, when they want the module's mails.
func (n *Notifier) Mail(ctx context.Context, orgID, userID int64, module, subject, text string, cal mail.Calendar) error {
	org, err := n.Orgs.ByID(ctx, orgID)
	if err != nil {
		return err
	}
	people, err := n.Identity.Recipients(ctx, []int64{userID}, module)
	if err != nil {
		return err
	}
	for _, p := range people {
		data := map[string]any{"Organisation": org.Name, "Subject": subject, "Paragraphs": strings.Split(text, "\n\n"),
			"Link": n.BaseURL + "/", "Colour": n.Colours.Of(ctx, org.ID)}
		if err := n.Identity.QueueNotice(ctx, p, "module", data, cal); err != nil {
			return err
		}
	}
	return nil
}
