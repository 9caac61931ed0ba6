// Package notify tells people what happened: a notice in the portal and,
// when they want mails of its kind, a mail that something new waits for
// them (never what it says); a module's own mails; the notices of a new
// announcement; the invitations a dossier's work sends (its person, a guest
// it is shared with); and the colours those mails wear. It is the one place
// where domains meet to reach a person, so the domains themselves stay
// unaware of one another: each takes the Notifier (or the part of it it
// needs) when it is built.
package notify

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Deps are what the Notifier reaches.
type Deps struct {
	DB       *store.DB
	Orgs     *tenancy.Service
	Identity *identity.Service
	Notices  *notice.Service
	Colours  *Colours
	// Publish tells open tabs, on every instance, that something changed.
	Publish func(ctx context.Context, e realtime.Event) error
	Log     *slog.Logger
	// BaseURL is the portal's public address, for the links in mails.
	BaseURL string
}

// Notifier tells people what happened.
type Notifier struct{ Deps }

// New returns the Notifier.
func New(d Deps) *Notifier {
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	return &Notifier{Deps: d}
}

// Notify leaves a person a notice in the portal and, when they want mails
// of the module's kind, mails them that something new waits: the
// organisation, the notice's line and a link, never the content. Both or
// neither, in the transaction ctx carries or one of its own.
func (n *Notifier) Notify(ctx context.Context, orgID, userID int64, module, message, link string) error {
	org, err := n.Orgs.ByID(ctx, orgID)
	if err != nil {
		return err
	}
	err = n.DB.Tx(ctx, func(ctx context.Context) error {
		if err := n.Notices.Add(ctx, &notice.Notice{OrganisationID: orgID, UserID: userID, Module: module, Message: message, Link: link}); err != nil {
			return err
		}
		people, err := n.Identity.Recipients(ctx, []int64{userID}, module)
		if err != nil {
			return err
		}
		for _, p := range people {
			data := map[string]any{"Organisation": org.Name, "Notice": message, "Link": n.BaseURL + "/notices", "Colour": n.Colours.Of(ctx, org.ID)}
			if err := n.Identity.QueueNotice(ctx, p, "notice", data); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		n.CountsChanged(ctx, orgID, userID)
	}
	return err
}

// CountsChanged tells the person's open tabs that a count in their
// navigation changed; they fetch it again. Missing it costs nothing but a
// stale badge until the next page, so a failure is only logged.
func (n *Notifier) CountsChanged(ctx context.Context, orgID, userID int64) {
	e := realtime.Event{OrganisationID: orgID, Topic: "user:" + strconv.FormatInt(userID, 10), Name: "nav"}
	if err := n.Publish(ctx, e); err != nil {
		n.Log.Warn("realtime: navigation not refreshed", "user", userID, "error", err)
	}
}
