package core

import (
	"slices"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/announcement"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/events"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// migrations gathers the migrations of every domain package. A package that
// owns tables adds its Migrations() here; the versions order them.
func migrations() []store.Migration {
	return slices.Concat(
		tenancy.Migrations(),
		mail.Migrations(),
		audit.Migrations(),
		identity.Migrations(),
		access.Migrations(),
		announcement.Migrations(),
		branding.Migrations(),
		notice.Migrations(),
		dossier.Migrations(),
		readstate.Migrations(),
		realtime.Migrations(),
		files.Migrations(),
		events.Migrations(),
	)
}
