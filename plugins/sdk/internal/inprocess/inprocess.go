// Package inprocess lets sdktest serve a module inside a test's own process
// exactly as Serve does for the host, without a method on the SDK's public
// API that only tests would call: package sdk fills in NewServer.
package inprocess

import (
	"google.golang.org/grpc"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// NewServer returns a gRPC server carrying the module's Plugin service, as
// Serve makes it, whose calls back to the host go to host. module is an
// *sdk.Module.
var NewServer func(module any, host pluginv1.HostClient) *grpc.Server
