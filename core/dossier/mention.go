package dossier

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// mentionPattern finds "@name" in text: a name of letters, digits, dots,
// hyphens or underscores, after the start or a space or punctuation (not
// inside an e-mail address).
var mentionPattern = regexp.MustCompile(`(?:^|[\s(\[,;:])@([\p{L}\p{N}._-]{2,60})`)

// Mentioned finds the dossier's members that text mentions: "@kim" names the
// one member whose first name is Kim, "@kimbakker" or "@kim.bakker" the one
// with that whole name, "@kbakker" the one whose address starts so. A name
// that fits several members mentions none of them (nobody is told by
// accident); the author is never among them.
func Mentioned(members []Member, authorID int64, text string) []int64 {
	var out []int64
	seen := map[int64]bool{authorID: true}
	for _, m := range mentionPattern.FindAllStringSubmatch(text, 20) {
		handle := searchKey(m[1])
		var found []int64
		for _, p := range members {
			whole := searchKey(p.Name)
			first := searchKey(strings.SplitN(p.Name, " ", 2)[0])
			local := searchKey(strings.SplitN(p.Email, "@", 2)[0])
			if handle != "" && (handle == whole || handle == first || handle == local) && !slices.Contains(found, p.UserID) {
				found = append(found, p.UserID)
			}
		}
		if len(found) == 1 && !seen[found[0]] {
			out = append(out, found[0])
			seen[found[0]] = true
		}
	}
	return out
}

// Mention tells the dossier's members whom text mentions that they were,
// with a notice (and a mail if they want one) that links to the dossier;
// it never carries the text.
func (s *Service) Mention(ctx context.Context, d *Dossier, authorID int64, text string) error {
	return s.mention(ctx, d, authorID, text, true)
}

// mention is Mention that, when withPerson is false, leaves out the person
// whose dossier it is: the text is one they may not see (a task between
// staff), so it must not tell them of it.
func (s *Service) mention(ctx context.Context, d *Dossier, authorID int64, text string, withPerson bool) error {
	if s.notify == nil || !strings.Contains(text, "@") {
		return nil
	}
	members, err := s.Members(ctx, d)
	if err != nil {
		return err
	}
	if !withPerson && d.UserID != nil {
		members = slices.DeleteFunc(members, func(m Member) bool { return m.UserID == *d.UserID })
	}
	for _, id := range Mentioned(members, authorID, text) {
		if err := s.notify.Notify(ctx, d.OrganisationID, id, Module, "dossier.notice.mentioned", "/dossiers/"+strconv.FormatInt(d.ID, 10)); err != nil {
			return err
		}
	}
	return nil
}
