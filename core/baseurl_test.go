package core

import (
	"net"
	"strings"
	"testing"
)

// TestBaseURLThatCannotBeReachedIsSaid: a base URL naming this machine on
// another port than the one listened on is said at start-up; an address
// behind a proxy, or the right port, is not.
func TestBaseURLThatCannotBeReachedIsSaid(t *testing.T) {
	at := func(port int) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port} }
	for _, c := range []struct {
		base  string
		port  int
		wrong bool
	}{
		{"http://127.0.0.1:8080", 8080, false},
		{"http://127.0.0.1:8080", 41234, true},
		{"http://localhost", 8080, true},
		{"https://portal.example.org", 8080, false},
		{"http://[::1]:9000", 9000, false},
		{"not an address", 8080, true},
	} {
		problem := baseURLProblem(c.base, at(c.port))
		if (problem != "") != c.wrong {
			t.Errorf("%s on port %d: %q", c.base, c.port, problem)
		}
		if c.wrong && !strings.Contains(problem, "server.base_url") {
			t.Errorf("the problem does not name the key: %q", problem)
		}
	}
}
