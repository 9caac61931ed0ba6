// Command chat is the chat plugin: one-on-one conversations between a
// coach and their coachees and between colleagues, delivered live through
// the core's event stream and waiting for whoever is not online. Built on
// the SDK alone.
package main

import (
	"embed"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{
		ID: "chat", Version: "0.1.0", Label: "chat.title", Summary: "chat.summary", Icon: "mail",
		Permissions: []sdk.Permission{
			{Name: "chat.use", DefaultRoles: []string{"coach", "coachee", "employer_contact", "admin", "finance", "support"}},
			{Name: "chat.staff", DefaultRoles: []string{"coach", "employer_contact", "admin", "finance", "support"}},
			{Name: "chat.manage", DefaultRoles: []string{"admin"}},
		},
		Navigation: []sdk.NavEntry{{Label: "chat.title", Icon: "mail", Path: "/", Permission: "chat.use", Counted: true}},
		Panels:     []sdk.Panel{{Label: "chat.title", Icon: "mail", Path: "/panel", Permission: "chat.use", Counted: true}},
	}, files)
	migrations(m)
	m.Page("GET", "/", "chat.use", indexPage)
	m.Page("GET", "/panel", "chat.use", panelPart)
	m.Page("GET", "/start", "chat.use", startPage)
	m.Page("POST", "/start", "chat.use", startPost)
	m.Page("GET", "/c/:id", "chat.use", conversationPage)
	m.Page("GET", "/c/:id/older", "chat.use", olderPart)
	m.Page("GET", "/c/:id/presence", "chat.use", presencePart)
	m.Page("POST", "/c/:id/messages", "chat.use", sendPost)
	m.Page("POST", "/c/:id/typing", "chat.use", typingPost)
	m.Page("POST", "/c/:id/read", "chat.use", readPost)
	m.Page("POST", "/m/:mid/edit", "chat.use", editPost)
	m.Page("POST", "/m/:mid/delete", "chat.use", deletePost)
	m.Demo(seedDemo)
	m.Page("GET", "/settings", "chat.manage", settingsPage)
	m.Page("POST", "/settings", "chat.manage", settingsPost)
	m.Slot("dossier.card", dossierCard)
	m.Slot("person.card", personCard)
	sdk.Serve(m)
}
