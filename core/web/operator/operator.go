// Package operator holds the platform operator's pages: the subscribers
// (organisations and their subscriptions), the plugins and, while no mail
// server is configured, the development mail page.
package operator

import (
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

// Deps are what the operator's pages need.
type Deps struct {
	Mailer   *mail.Mailer
	Orgs     *tenancy.Service
	Identity *identity.Service
	Modules  *module.Registry
	Catalog  *i18n.Catalog
	Plugins  *pluginhost.Host
	Files    *files.Service
}

// Register adds the operator's pages.
func Register(s *web.Server, d Deps) {
	registerDevMail(s, d.Mailer)
	registerOrganisations(s, d)
	registerPlugins(s, d.Plugins)
}
