package account

import (
	"net/url"
	"strconv"

	"github.com/atriumhq/atrium/core/identity"
)

func itoa(n int) string         { return strconv.Itoa(n) }
func urlEscape(s string) string { return url.QueryEscape(s) }
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// checklist is every policy rule for the typed password, plus the history rule
// when the service refused the password for it (only the service can tell).
func (h *Handlers) checklist(password, email string, broken []identity.Rule) []identity.Rule {
	rules := h.ids.Policy().Check(password, email)
	for _, r := range broken {
		if r.ID == "history" {
			rules = append(rules, r)
		}
	}
	return rules
}
