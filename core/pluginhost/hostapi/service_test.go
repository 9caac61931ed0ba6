package hostapi

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// serviceOf is the chat plugin's host API over the live calls given, with
// nothing of the core behind it but what deps holds.
func serviceOf(c *calls.Registry, deps Deps) *Service {
	deps.Log = slog.New(slog.DiscardHandler)
	return New(deps, &wall.Service{Plugin: "chat", Calls: c, Log: deps.Log}, nil)
}

// TestEmitOnlyInItsOwnName: a plugin cannot emit another plugin's events,
// nor an event without a live call, nor an oversized payload; nothing is
// delivered then.
func TestEmitOnlyInItsOwnName(t *testing.T) {
	t.Parallel()
	var c calls.Registry
	c.Open("tok", &calls.Scope{Plugin: "chat", OrgID: 7, Deadline: time.Now().Add(time.Minute)})
	var delivered []string
	s := serviceOf(&c, Deps{Emit: func(_ context.Context, from calls.Scope, name string, _ []byte) error {
		delivered = append(delivered, name)
		return nil
	}})
	refused := []*pluginv1.EmitRequest{
		{Token: "tok", Name: "agenda.booked"},
		{Token: "tok", Name: "chatter.posted"},
		{Token: "tok", Name: "chat"},
		{Token: "made-up", Name: "chat.posted"},
		{Token: "tok", Name: "chat.posted", Payload: make([]byte, maxEventPayload+1)},
	}
	for _, req := range refused {
		if _, err := s.Emit(context.Background(), req); err == nil {
			t.Errorf("emitted %q with token %q (%d bytes)", req.Name, req.Token, len(req.Payload))
		}
	}
	if _, err := s.Emit(context.Background(), &pluginv1.EmitRequest{Token: "tok", Name: "chat.posted"}); err != nil {
		t.Errorf("its own event: %v", err)
	}
	if len(delivered) != 1 || delivered[0] != "chat.posted" {
		t.Errorf("delivered %q", delivered)
	}
}

// TestAMigrationTokenReachesTablesOnly is the sixth hostile review's SQLite
// finding: migrations run once in each organisation's file, with a token
// scoped to it, and a forked SDK used that token to read the
// organisation's people and send them notices. A migration's token now
// reaches the plugin's tables and nothing else of the host's; every other
// service refuses it before it looks at anything (the service here has
// nothing else to look at).
func TestAMigrationTokenReachesTablesOnly(t *testing.T) {
	t.Parallel()
	var c calls.Registry
	c.Open("mig", &calls.Scope{Plugin: "chat", OrgID: 7, Migrating: true, Deadline: time.Now().Add(time.Minute)})
	s := serviceOf(&c, Deps{})
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"People": func() error {
			_, err := s.People(ctx, &pluginv1.PeopleRequest{Token: "mig", Ids: []int64{1}})
			return err
		},
		"Can": func() error {
			_, err := s.Can(ctx, &pluginv1.CanRequest{Token: "mig", Permission: "chat.use"})
			return err
		},
		"Notify": func() error { _, err := s.Notify(ctx, &pluginv1.NotifyRequest{Token: "mig", UserId: 1}); return err },
		"Mail":   func() error { _, err := s.Mail(ctx, &pluginv1.MailRequest{Token: "mig", UserId: 1}); return err },
		"Emit": func() error {
			_, err := s.Emit(ctx, &pluginv1.EmitRequest{Token: "mig", Name: "chat.posted"})
			return err
		},
		"Publish": func() error {
			_, err := s.Publish(ctx, &pluginv1.PublishRequest{Token: "mig", Topic: "user:1"})
			return err
		},
		"Audit": func() error {
			_, err := s.Audit(ctx, &pluginv1.AuditRequest{Token: "mig", Action: "chat.x"})
			return err
		},
		"SetCount": func() error { _, err := s.SetCount(ctx, &pluginv1.CountRequest{Token: "mig"}); return err },
		"Dossier":  func() error { _, err := s.Dossier(ctx, &pluginv1.DossierRequest{Token: "mig"}); return err },
		"Feed":     func() error { _, err := s.Feed(ctx, &pluginv1.FeedRequest{Token: "mig"}); return err },
	} {
		if err := call(); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s with a migration's token: %v", name, err)
		}
	}
	if sc, err := s.DBScope("mig"); err != nil || !sc.Migrating {
		t.Errorf("the database refuses the migration's own token: %v", err)
	}
}
