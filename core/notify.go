package core

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/realtime"
)

// notify leaves a person a notice in the portal and, when they want mails of
// the module's kind, mails them that something new waits: the organisation,
// the notice's line and a link, never the content. Both or neither.
func (a *App) notify(ctx context.Context, orgID, userID int64, module, message, link string) error {
	org, err := a.orgs.ByID(ctx, orgID)
	if err != nil {
		return err
	}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		n := &notice.Notice{OrganisationID: orgID, UserID: userID, Module: module, Message: message, Link: link}
		if err := a.notices.Add(ctx, tx, n); err != nil {
			return err
		}
		people, err := a.ident.Recipients(ctx, tx, []int64{userID}, module)
		if err != nil {
			return err
		}
		for _, p := range people {
			data := map[string]any{"Organisation": org.Name, "Notice": message,
				"Link": strings.TrimRight(a.cfg.Server.BaseURL, "/") + "/notices", "Colour": a.brandColour(ctx, org.ID)}
			if err := a.ident.QueueNotice(ctx, tx, p, "notice", data); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		a.countsChanged(ctx, orgID, userID)
	}
	return err
}

// countsChanged tells the person's open tabs that a count in their
// navigation changed; they fetch it again. Missing it costs nothing but
// a stale badge until the next page, so a failure is only logged.
func (a *App) countsChanged(ctx context.Context, orgID, userID int64) {
	e := realtime.Event{OrganisationID: orgID, Topic: "user:" + strconv.FormatInt(userID, 10), Name: "nav"}
	if err := a.publisher.Publish(ctx, e); err != nil {
		a.log.Warn("realtime: navigation not refreshed", "user", userID, "error", err)
	}
}

// recheckStreams asks every open event stream of a person, on every
// instance, whether the session that opened it still lives and they still
// work in its organisation: after a sign-out, a recovery, a deactivation.
// A stream that is not asked still finds out at its next ping.
func (a *App) recheckStreams(ctx context.Context, userID int64) {
	orgs, err := a.orgs.MemberOf(ctx, userID)
	if err != nil {
		a.log.Warn("realtime: streams not asked about their sessions", "user", userID, "error", err)
		return
	}
	for _, org := range orgs {
		e := realtime.Event{OrganisationID: org, Topic: "user:" + strconv.FormatInt(userID, 10), Name: realtime.SessionEvent}
		if err := a.publisher.Publish(ctx, e); err != nil {
			a.log.Warn("realtime: streams not asked about their sessions", "user", userID, "error", err)
		}
	}
}

// mailFromModule sends a person a mail a module wrote in their language
// (subject and plain text, shown escaped in the organisation's layout),
// with a calendar when given, when they want the module's mails.
func (a *App) mailFromModule(ctx context.Context, orgID, userID int64, module, subject, text string, cal mail.Calendar) error {
	org, err := a.orgs.ByID(ctx, orgID)
	if err != nil {
		return err
	}
	people, err := a.ident.Recipients(ctx, a.db, []int64{userID}, module)
	if err != nil {
		return err
	}
	for _, p := range people {
		data := map[string]any{"Organisation": org.Name, "Subject": subject, "Paragraphs": strings.Split(text, "\n\n"),
			"Link": strings.TrimRight(a.cfg.Server.BaseURL, "/") + "/", "Colour": a.brandColour(ctx, org.ID)}
		if err := a.ident.QueueNotice(ctx, a.db, p, "module", data, cal); err != nil {
			return err
		}
	}
	return nil
}
