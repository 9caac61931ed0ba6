package web

import (
	"net"
	"sync"
	"sync/atomic"
)

// quietListener remembers the connections that never sent a byte. Browsers
// and HTTP clients open spare connections ahead of need; the server counts
// them as open but not idle, so a graceful shutdown would wait for them to
// its timeout. They carry no request, so shutdown closes them at once.
type quietListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[*quietConn]bool
}

type quietConn struct {
	net.Conn
	l    *quietListener
	used atomic.Bool
}

func newQuietListener(ln net.Listener) *quietListener {
	return &quietListener{Listener: ln, conns: map[*quietConn]bool{}}
}

func (l *quietListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	qc := &quietConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[qc] = true
	l.mu.Unlock()
	return qc, nil
}

func (c *quietConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.used.Load() {
		c.used.Store(true)
		c.l.forget(c)
	}
	return n, err
}

func (c *quietConn) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}

func (l *quietListener) forget(c *quietConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// closeQuiet closes the connections that never sent a byte.
func (l *quietListener) closeQuiet() {
	l.mu.Lock()
	quiet := make([]*quietConn, 0, len(l.conns))
	for c := range l.conns {
		quiet = append(quiet, c)
	}
	l.mu.Unlock()
	for _, c := range quiet {
		_ = c.Close()
	}
}
