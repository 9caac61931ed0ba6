package pluginhost

import "context"

// Ping makes one bare Health call to the plugin, for the round-trip benchmark.
func (p *Plugin) Ping(ctx context.Context) error {
	_, err := p.conn().Health(ctx, nil)
	return err
}

// Statements is how many statements the plugin has sent to the host.
func (p *Plugin) Statements() int64 { return p.statements.Load() }
