package core

import (
	"net"
	"net/url"
	"strconv"
)

// baseURLProblem says why server.base_url cannot be where this server is
// reached, or "" when it may be. Behind a proxy the address people use is
// another host than the one listened on, which is as it should be; only a
// base URL naming this machine itself (loopback) on another port is surely
// wrong: links in mails would lead nowhere.
func baseURLProblem(baseURL string, listening net.Addr) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "server.base_url is not an address such as https://portal.example.org"
	}
	tcp, ok := listening.(*net.TCPAddr)
	if !ok {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if loopback && port != strconv.Itoa(tcp.Port) {
		return "server.base_url (" + baseURL + ") names this machine on port " + port + ", but Atrium listens on port " + strconv.Itoa(tcp.Port) + ": links in mails will not reach it; set server.base_url to the address people use"
	}
	return ""
}
