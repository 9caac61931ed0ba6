package pluginhost

import "context"

// Ping makes one bare Health call to the plugin, for the round-trip benchmark.
func (p *Plugin) Ping(ctx context.Context) error {
	_, err := p.conn().Health(ctx, nil)
	return err
}
