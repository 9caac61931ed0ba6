// Command chat is the chat plugin: one-on-one conversations between a
// coach and their coachees and between colleagues, delivered live through
// the core's event stream and waiting for whoever is not online. Built on
// the SDK alone.
//
// This file wires: the module, its services, the Handlers on them and
// their routes. The handlers are in the files named after their pages, the
// services in internal/.
package main

import (
	"embed"

	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
	"github.com/atriumhq/atrium/plugins/chat/internal/privacy"
	"github.com/atriumhq/atrium/plugins/chat/internal/schema"
	"github.com/atriumhq/atrium/plugins/chat/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() { sdk.Serve(module()) }

// manifest describes the chat to the host: its permissions, with the
// built-in roles that hold them, its navigation entry and its panel, both
// counting what waits unread.
var manifest = sdk.Manifest{
	ID: "chat", Version: "0.1.0", Label: "chat.title", Summary: "chat.summary", Icon: "mail",
	Permissions: []sdk.Permission{
		{Name: "chat.use", DefaultRoles: []string{"coach", "coachee", "employer_contact", "admin", "finance", "support"}},
		{Name: "chat.staff", DefaultRoles: []string{"coach", "employer_contact", "admin", "finance", "support"}},
		{Name: "chat.manage", DefaultRoles: []string{"admin"}},
	},
	Navigation: []sdk.NavEntry{{Label: "chat.title", Icon: "mail", Path: "/", Permission: "chat.use", Counted: true}},
	Panels:     []sdk.Panel{{Label: "chat.title", Icon: "mail", Path: "/panel", Permission: "chat.use", Counted: true}},
}

// module builds the chat: its migrations, its services on the module's
// database, the Handlers on them and their routes. main serves it; the
// tests call it.
func module() *sdk.Module {
	m := sdk.New(manifest, files)
	schema.Register(m)
	h := &Handlers{Conversations: conversation.New(m), Settings: settings.New(m)}

	m.Page("GET", "/", "chat.use", h.Index)
	m.Page("GET", "/panel", "chat.use", h.Panel)
	m.Page("GET", "/start", "chat.use", h.Start)
	m.Page("POST", "/start", "chat.use", h.StartPost)
	m.Page("GET", "/c/:id", "chat.use", h.Conversation)
	m.Page("GET", "/c/:id/older", "chat.use", h.Older)
	m.Page("GET", "/c/:id/presence", "chat.use", h.Presence)
	m.Page("POST", "/c/:id/messages", "chat.use", h.SendPost)
	m.Page("POST", "/c/:id/typing", "chat.use", h.TypingPost)
	m.Page("POST", "/c/:id/read", "chat.use", h.ReadPost)
	m.Page("POST", "/m/:mid/edit", "chat.use", h.EditPost)
	m.Page("POST", "/m/:mid/delete", "chat.use", h.DeletePost)
	m.Page("GET", "/settings", "chat.manage", h.OrganisationSettings)
	m.Page("POST", "/settings", "chat.manage", h.SettingsPost)
	m.Slot("dossier.card", h.DossierCard)
	m.Slot("person.card", h.PersonCard)
	m.Demo(h.Demo)
	m.Privacy(privacy.Export, privacy.Erase)
	return m
}
