package pluginhost

import (
	"context"
	"log/slog"
	"testing"
	"time"

	pluginv1 "github.com/atriumhq/atrium/plugins/proto/v1"
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
