package sdk

// Tick does work that falls due by the clock (a reminder before a
// session): the host calls f every few minutes (plugins.tick_every, five
// unless set) for each organisation that has the module on, as nobody:
// r.UserID() is 0 and no permission is held. Every instance of a server
// ticks, so claim what you do with an UPDATE … WHERE not yet done and act
// only on the rows you claimed.
// Since contract v1.5.
func (m *Module) Tick(f func(r *Request) error) {
	m.OnEvent("core.tick", func(r *Request, _ []byte) error { return f(r) })
}
