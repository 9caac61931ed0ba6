package hostapi

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/realtime"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Publish sends an event to the open tabs listening to a topic of the
// call's organisation: a member's own (user:<id>), a dossier the person
// may open (dossier:<id>), or one of the plugin's rooms
// (room:<plugin>:<name>). Anything else is refused.
func (s *Service) Publish(ctx context.Context, req *pluginv1.PublishRequest) (*pluginv1.PublishResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if s.deps.Publish == nil {
		return nil, status.Error(codes.Unimplemented, "events are not served by this host")
	}
	topic := req.GetTopic()
	if err := s.checkTopic(ctx, sc, topic, true); err != nil {
		return nil, err
	}
	e := realtime.Event{OrganisationID: sc.OrgID, Topic: topic, Name: req.GetEvent(), Data: string(req.GetHtml())}
	if err := realtime.Check(e); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if realtime.CoreName(e.Name) {
		return nil, status.Error(codes.InvalidArgument, "event names starting with atrium. are the core's")
	}
	if err := s.deps.Publish(ctx, e); err != nil {
		return nil, err
	}
	return &pluginv1.PublishResponse{}, nil
}
