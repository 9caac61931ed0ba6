package pluginhost

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// TestTokensBelongToOnePluginAndOneCall: a plugin cannot use another
// plugin's token, an ended call's token or one it made up.
func TestTokensBelongToOnePluginAndOneCall(t *testing.T) {
	t.Parallel()
	var c calls
	c.open("tok", &scope{plugin: "agenda", orgID: 7, deadline: time.Now().Add(time.Minute)})
	if s := c.find("agenda", "tok"); s == nil || s.orgID != 7 {
		t.Fatal("the plugin's own live call was not found")
	}
	if c.find("chat", "tok") != nil {
		t.Error("another plugin used the token")
	}
	if c.find("agenda", "made-up") != nil {
		t.Error("a made-up token was accepted")
	}
	c.open("late", &scope{plugin: "agenda", deadline: time.Now().Add(-time.Second)})
	if c.find("agenda", "late") != nil {
		t.Error("a call past its deadline was accepted")
	}
	c.close("tok")
	if c.find("agenda", "tok") != nil {
		t.Error("an ended call's token was accepted")
	}
}

// TestEmitOnlyInItsOwnName: a plugin cannot emit another plugin's events,
// nor an event without a live call, nor an oversized payload; nothing is
// delivered then.
func TestEmitOnlyInItsOwnName(t *testing.T) {
	t.Parallel()
	var c calls
	c.open("tok", &scope{plugin: "chat", orgID: 7, deadline: time.Now().Add(time.Minute)})
	var delivered []string
	s := &hostService{plugin: "chat", calls: &c, log: slog.New(slog.DiscardHandler), emit: func(_ context.Context, from scope, name string, _ []byte) error {
		delivered = append(delivered, name)
		return nil
	}}
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

// TestTransactionsBelongToTheirCall: ending a transaction needs the call's
// token and the transaction's id; anything else is refused.
func TestTransactionsBelongToTheirCall(t *testing.T) {
	t.Parallel()
	var c calls
	c.open("tok", &scope{plugin: "chat", orgID: 7, deadline: time.Now().Add(time.Minute)})
	s := &hostService{plugin: "chat", calls: &c, log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	for _, req := range []*pluginv1.TxRequest{{Token: "tok", Tx: "made-up"}, {Token: "tok"}, {Token: "made-up", Tx: "made-up"}} {
		if _, err := s.Commit(ctx, req); err == nil {
			t.Errorf("commit of %+v was accepted", req)
		}
		if _, err := s.Rollback(ctx, req); err == nil {
			t.Errorf("rollback of %+v was accepted", req)
		}
	}
	if _, _, err := s.conn("tok", "made-up"); err == nil {
		t.Error("a statement named a transaction that does not exist")
	}
	if _, err := s.Begin(ctx, &pluginv1.BeginRequest{Token: "made-up"}); err == nil {
		t.Error("a transaction was begun without a live call")
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
	var c calls
	c.open("mig", &scope{plugin: "chat", orgID: 7, migrating: true, deadline: time.Now().Add(time.Minute)})
	s := &hostService{plugin: "chat", calls: &c, log: slog.New(slog.DiscardHandler)}
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
	if sc, err := s.dbScope("mig"); err != nil || !sc.migrating {
		t.Errorf("the database refuses the migration's own token: %v", err)
	}
}
