// Package wire joins the plugin contract to hashicorp/go-plugin: the
// handshake both sides check, and the gRPC plugin type that serves the
// Plugin service in the plugin process and returns a client in the host.
// Plugin authors never import it; the SDK and the host do.
package wire

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Handshake is checked by both sides before anything else: a binary that is
// not an Atrium plugin, or speaks another major version, is refused at once.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  pluginv1.ProtocolVersion,
	MagicCookieKey:   "ATRIUM_PLUGIN",
	MagicCookieValue: "a5f1c3e8-atrium-module",
}

// Name is the one plugin kind an Atrium plugin binary serves.
const Name = "module"

// GRPC is the go-plugin plugin for the Plugin service.
type GRPC struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is set in the plugin process.
	Impl pluginv1.PluginServer
	// OnBroker receives the broker in the plugin process, for dialling the
	// Host service back.
	OnBroker func(*plugin.GRPCBroker)
}

// GRPCServer registers the plugin's service (plugin side).
func (p *GRPC) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	if p.OnBroker != nil {
		p.OnBroker(b)
	}
	pluginv1.RegisterPluginServer(s, p.Impl)
	return nil
}

// Client is what the host holds for one running plugin.
type Client struct {
	Plugin pluginv1.PluginClient
	Broker *plugin.GRPCBroker
}

// GRPCClient returns the client (host side).
func (p *GRPC) GRPCClient(_ context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{Plugin: pluginv1.NewPluginClient(c), Broker: b}, nil
}
