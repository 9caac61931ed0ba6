package sdk

import "github.com/atriumhq/atrium/plugins/sdk/richtext"

// Markdown renders a writer's text in Atrium's one dialect, safe to show
// (see package richtext): a module never turns user text into HTML by
// itself. Options say whom the writer may mention and which images are the
// portal's own. Since contract v1.6.
func Markdown(text string, o richtext.Options) richtext.Result { return richtext.Render(text, o) }

// MarkdownFor renders a writer's text as Markdown does, resolving
// @mentions among readers: the people who can read where the text is shown
// (a forum's members, a conversation's two). Result.Mentioned are those to
// notify. Images show only where they are the module's own files.
// Since contract v1.7.
func (r *Request) MarkdownFor(text string, readers ...int64) (richtext.Result, error) {
	people, err := r.PeopleByID(readers...)
	if err != nil {
		return richtext.Result{}, err
	}
	names := make(map[int64]string, len(people))
	for id, p := range people {
		names[id] = p.Name
	}
	return richtext.Render(text, richtext.Options{Mention: richtext.Among(names), Image: richtext.OwnImage(r.URL("/"))}), nil
}
