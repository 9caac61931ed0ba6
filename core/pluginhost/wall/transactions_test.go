package wall

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// TestTransactionsBelongToTheirCall: ending a transaction needs the call's
// token and the transaction's id; anything else is refused.
func TestTransactionsBelongToTheirCall(t *testing.T) {
	t.Parallel()
	var c calls.Registry
	c.Open("tok", &calls.Scope{Plugin: "chat", OrgID: 7, Deadline: time.Now().Add(time.Minute)})
	s := &Service{Plugin: "chat", Calls: &c, Log: slog.New(slog.DiscardHandler)}
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
