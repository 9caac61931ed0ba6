package identity

import (
	"crypto/subtle"
	"strings"

	"github.com/atriumhq/atrium/core/secrets"
)

// A device token marks a browser in which an account completed both sign-in
// steps. Attempts from such a browser are counted on a key of their own, so
// that someone who knows only the address, failing again and again from
// elsewhere, can slow down and lock out unknown browsers but never the
// owner's own (docs/security.md). The token is the browser's random id and
// a keyed digest binding it to the address; nothing is stored, and it grants
// nothing but that separate count.

// DeviceToken is a new device token for a browser that just signed in to
// the account with this address.
func (s *Service) DeviceToken(email string) string {
	id := secrets.Token(16)
	return id + "." + s.box.Digest("device:"+NormalizeEmail(email)+":"+id)
}

// knownDevice gives the browser's id when its token was issued for this
// address, "" otherwise.
func (s *Service) knownDevice(email, token string) string {
	id, mac, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(id) > 64 {
		return ""
	}
	want := s.box.Digest("device:" + NormalizeEmail(email) + ":" + id)
	if subtle.ConstantTimeCompare([]byte(mac), []byte(want)) != 1 {
		return ""
	}
	return id
}

// KnowsDevice tells whether a device token was issued for this address.
func (s *Service) KnowsDevice(email, token string) bool { return s.knownDevice(email, token) != "" }

// attemptKeys are the throttle keys of one try at an account's secret:
// the browser's own key when the account knows it, the account's and the
// address's otherwise. step tells the password from the code step.
func (s *Service) attemptKeys(step, email, device, ip string) (keys []string, known bool) {
	email = NormalizeEmail(email)
	if id := s.knownDevice(email, device); id != "" {
		return []string{step + "-device:" + id}, true
	}
	return []string{step + ":" + email, "address:" + ip}, false
}
