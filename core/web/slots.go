package web

import (
	"html/template"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Places on core pages that modules fill.
const (
	// SlotHomeTile is a card on the start page.
	SlotHomeTile = "home.tile"
	// SlotPersonCard is a card on a person's page; its parameter person_id
	// names a member of the active organisation.
	SlotPersonCard = "person.card"
	// SlotSettingsSection is a card on the person's own settings page, for a
	// module's personal settings (its form posts to the module's own page).
	SlotSettingsSection = "settings.section"
	// SlotDossierCard is a card on a dossier's page. Its parameters are
	// dossier_id and level (view, contribute, edit or manage: what the person
	// may do in this dossier). The dossier may be another organisation's,
	// shared with the person: the card is then asked in the dossier's
	// organisation, with none of that organisation's permissions, and the
	// level is what counts.
	SlotDossierCard = "dossier.card"
	// SlotSearch is a module's matches for a search (the dossiers' quick
	// search and the search page): a short list of links to its pages,
	// only to what the person may open. Its parameter is q, three letters
	// at least; like every slot it is left out when it comes too late.
	SlotSearch = "search.results"
)

// Slots are the places a module may fill.
var Slots = []string{SlotHomeTile, SlotPersonCard, SlotSettingsSection, SlotDossierCard, SlotSearch}

// Scope is the organisation a slot is filled in when it is not the viewer's
// own (a dossier shared from another organisation): its modules decide who
// fills it, and the modules' calls run in it with the given permissions.
type Scope struct {
	Org     *tenancy.Organisation
	Lineage []tenancy.Organisation
	Modules []string
	Can     access.Set
	Roles   []access.Role
}

// SlotFiller is one module's part of a slot.
type SlotFiller struct {
	Module string
	// Prepare runs on the request (it may read the request's state) and
	// returns the work that fills the slot, which runs alongside the other
	// modules' work; nil leaves the module's part out. scope is nil for the
	// viewer's own organisation.
	Prepare func(c fiber.Ctx, params map[string]string, scope *Scope) func() template.HTML
}
