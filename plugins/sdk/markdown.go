package sdk

import "github.com/atriumhq/atrium/plugins/sdk/richtext"

// Markdown renders a writer's text in Atrium's one dialect, safe to show
// (see package richtext): a module never turns user text into HTML by
// itself. Options say whom the writer may mention and which images are the
// portal's own. Since contract v1.6.
func Markdown(text string, o richtext.Options) richtext.Result { return richtext.Render(text, o) }
