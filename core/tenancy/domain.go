package tenancy

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/store"
)

// SetDomain gives an organisation its portal address, or takes it away
// (""). Visitors at the address see the organisation's sign-in page, so
// only the platform operator calls it: a tenant that could choose one would
// put its own page on the installation's address or another tenant's.
// reserved are the installation's own host names (the host of
// server.base_url), which no organisation may have; an address another
// organisation has is refused too. Any request of the organisation's
// (DomainAsked) is settled by it.
func (s *Service) SetDomain(ctx context.Context, orgID int64, domain string, reserved ...string) error {
	domain = strings.ToLower(strings.TrimSpace(domain))
	switch {
	case domain == "":
	case len(domain) > 253 || !domainName.MatchString(domain):
		return &Invalid{Fields: map[string]string{"domain": "tenancy.error.domain"}}
	default:
		for _, r := range reserved {
			if strings.EqualFold(strings.TrimSpace(r), domain) {
				return &Invalid{Fields: map[string]string{"domain": "tenancy.error.domain_reserved"}}
			}
		}
	}
	taken := &Invalid{Fields: map[string]string{"domain": "tenancy.error.domain_taken"}}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := s.find(ctx, tx, "id = ?", orgID); err != nil {
			return err
		}
		if domain != "" {
			n, err := tx.NewSelect().Model((*Organisation)(nil)).Where("domain = ?", domain).Where("id <> ?", orgID).Count(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				return taken
			}
		}
		if _, err := tx.NewUpdate().Model((*Organisation)(nil)).Set("domain = ?, domain_asked = ''", domain).Where("id = ?", orgID).Exec(ctx); err != nil {
			return err
		}
		return audit.Note(ctx, tx, orgID, "organisation.domain_changed", 0, domain)
	})
	if store.UniqueViolation(err) {
		return taken // another operator's save of the same address came first
	}
	return err
}

// domainMigration makes portal addresses the operator's: addresses stored
// until now were typed by each organisation's administrator, so none is
// trusted. Each moves to domain_asked, where the operator sees it as a
// request and sets it after checking that the address is the
// organisation's, and an address belongs to one organisation at most.
func domainMigration() store.Migration {
	return store.Migration{
		Name: "20261231100000_operator_domains",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if err := store.AddColumns("organisations", "domain_asked TEXT NOT NULL DEFAULT ''")(ctx, tx); err != nil {
				return err
			}
			for _, q := range []string{
				"UPDATE organisations SET domain_asked = domain, domain = '' WHERE domain <> ''",
				"DROP INDEX organisations_domain",
				"CREATE UNIQUE INDEX organisations_domain ON organisations (domain) WHERE domain <> ''",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			for _, q := range []string{
				"DROP INDEX organisations_domain",
				"CREATE INDEX organisations_domain ON organisations (domain)",
				"UPDATE organisations SET domain = domain_asked WHERE domain = '' AND domain_asked <> ''",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return store.DropColumns("organisations", "domain_asked")(ctx, tx)
		},
	}
}
