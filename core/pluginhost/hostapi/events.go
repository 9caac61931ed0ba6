package hostapi

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// maxEventPayload bounds an event's payload: events say what happened and
// name the rows; they do not carry documents.
const maxEventPayload = 64 << 10

// Emit lets a plugin tell the other plugins that something happened in the
// call's organisation. A plugin emits only events named after itself
// (<id>.…), so no plugin can pass itself off as another.
func (s *Service) Emit(ctx context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if !strings.HasPrefix(name, s.Plugin+".") || len(name) > 100 {
		return nil, status.Errorf(codes.InvalidArgument, "a plugin emits only events named %s.…", s.Plugin)
	}
	if len(req.GetPayload()) > maxEventPayload {
		return nil, status.Errorf(codes.InvalidArgument, "an event's payload is at most %d bytes", maxEventPayload)
	}
	if err := s.deps.Emit(ctx, s.Calls.CopyOf(sc), name, req.GetPayload()); err != nil {
		return nil, err
	}
	return &pluginv1.EmitResponse{}, nil
}
