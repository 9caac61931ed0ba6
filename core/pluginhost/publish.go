package pluginhost

import (
	"context"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/realtime"
	pluginv1 "github.com/atriumhq/atrium/plugins/proto/v1"
)

// Publish sends an event to the open tabs listening to a topic of the
// call's organisation: a member's own (user:<id>), a dossier the person
// may open (dossier:<id>), or one of the plugin's rooms
// (room:<plugin>:<name>). Anything else is refused.
func (s *hostService) Publish(ctx context.Context, req *pluginv1.PublishRequest) (*pluginv1.PublishResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if s.publish == nil {
		return nil, status.Error(codes.Unimplemented, "events are not served by this host")
	}
	topic := req.GetTopic()
	kind, rest, _ := strings.Cut(topic, ":")
	id, _ := strconv.ParseInt(rest, 10, 64)
	switch {
	case kind == "user":
		members, err := s.orgs.RolesAmong(ctx, sc.orgID, []int64{id})
		if err != nil {
			return nil, err
		}
		if _, ok := members[id]; !ok {
			return nil, status.Error(codes.NotFound, "no such person in the organisation")
		}
	case kind == "dossier":
		_, level, err := s.dossierLevel(ctx, sc, id)
		if err != nil {
			return nil, err
		}
		if level < dossier.View {
			return nil, status.Errorf(codes.NotFound, "no dossier %d for this person", id)
		}
	case kind == "room" && strings.HasPrefix(rest, s.plugin+":"):
	default:
		return nil, status.Errorf(codes.InvalidArgument, "a plugin publishes to user:<id>, dossier:<id> or room:%s:<name>", s.plugin)
	}
	e := realtime.Event{OrganisationID: sc.orgID, Topic: topic, Name: req.GetEvent(), Data: string(req.GetHtml())}
	if err := realtime.Check(e); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err := s.publish(ctx, e); err != nil {
		return nil, err
	}
	return &pluginv1.PublishResponse{}, nil
}
