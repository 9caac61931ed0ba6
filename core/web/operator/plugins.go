package operator

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/web"
)

type pluginsPage struct {
	Plugins     []pluginhost.Status
	Unsandboxed bool // plugins.sandbox: off, said loudly
}

// registerPlugins adds the operator's page of plugins and their states.
func registerPlugins(s *web.Server, host *pluginhost.Host) {
	s.Handle(fiber.MethodGet, "/operator/plugins", web.Operator, func(c fiber.Ctx) error {
		plugins, err := host.PluginsWithEvents(c.Context())
		if err != nil {
			return err
		}
		return s.Render(c, web.Page{Template: "operator/plugins", Title: "operator.plugins.title", Data: pluginsPage{Plugins: plugins, Unsandboxed: host.Unsandboxed()}})
	})
	s.AddNav(web.NavItem{Label: "operator.plugins.title", Icon: "puzzle", Path: "/operator/plugins", Rule: web.Operator, Group: web.NavPlatform})
}
