package store

import (
	"context"

	"github.com/uptrace/bun"
)

// txKey is where a context carries its transaction.
type txKey struct{}

// Tx runs f in one transaction that travels in f's context: every service
// f calls reaches it through In and joins it, so work that spans domains (a
// trajectory, the invitation of its person, their mail and the audit)
// commits or rolls back as one, without a transaction passed from function
// to function. A Tx inside a Tx joins the outer one.
func (d *DB) Tx(ctx context.Context, f func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return f(ctx)
	}
	return d.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return f(context.WithValue(ctx, txKey{}, tx))
	})
}

// In is where a statement of ctx's work runs: the transaction ctx carries,
// else the database itself.
func (d *DB) In(ctx context.Context) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx
	}
	return d.DB
}
