package hostapi

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/events"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// maxEventPayload bounds an event's payload: events say what happened and
// name the rows; they do not carry documents.
const maxEventPayload = events.MaxPayload

// Emit lets a plugin tell the other plugins that something happened in the
// call's organisation. A plugin emits only events named after itself
// (<id>.…), so no plugin can pass itself off as another. An event emitted
// while the call's transaction is open is written to the log when it
// commits, never when it rolls back.
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
	from, payload := s.Calls.CopyOf(sc), req.GetPayload()
	emit := func(ctx context.Context) error { return s.deps.Emit(ctx, from, name, payload) }
	if s.AfterCommit(req.GetToken(), emit) {
		return &pluginv1.EmitResponse{}, nil
	}
	if err := emit(ctx); err != nil {
		return nil, err
	}
	return &pluginv1.EmitResponse{}, nil
}
