package notify

import (
	"context"

	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Colours gives the colour an organisation's mails wear: its own primary
// colour, or the nearest ancestor's, or the theme's. Identity's mails
// (invitations, address changes) wear it too, so it is built before them.
type Colours struct {
	Orgs   *tenancy.Service
	Brands *branding.Service
}

// Of is an organisation's primary colour, for its mails.
func (c *Colours) Of(ctx context.Context, orgID int64) string {
	ids, err := c.Orgs.LineageIDs(ctx, orgID)
	if err != nil {
		return branding.DefaultPrimary
	}
	if b, err := c.Brands.For(ctx, ids); err == nil && b != nil {
		return b.Primary
	}
	return branding.DefaultPrimary
}
