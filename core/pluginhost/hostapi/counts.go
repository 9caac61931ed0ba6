package hostapi

import (
	"context"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/realtime"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// maxCount bounds a module's count for one person.
const maxCount = 9999

// SetCount records what waits for a member of the call's organisation in
// the plugin, for its counted navigation entries, and has their open tabs
// refresh the navigation.
func (s *Service) SetCount(ctx context.Context, req *pluginv1.CountRequest) (*pluginv1.CountResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if s.deps.Counts == nil {
		return nil, status.Error(codes.Unimplemented, "counts are not kept by this host")
	}
	if n := req.GetCount(); n < 0 || n > maxCount {
		return nil, status.Errorf(codes.InvalidArgument, "a count is from 0 to %d", maxCount)
	}
	user := req.GetUserId()
	members, err := s.deps.Orgs.RolesAmong(ctx, sc.OrgID, []int64{user})
	if err != nil {
		return nil, err
	}
	if _, ok := members[user]; !ok {
		return nil, status.Error(codes.NotFound, "no such person in the organisation")
	}
	if err := s.deps.Counts.SetCount(ctx, sc.OrgID, user, s.Plugin, int(req.GetCount())); err != nil {
		return nil, err
	}
	if s.deps.Publish != nil {
		e := realtime.Event{OrganisationID: sc.OrgID, Topic: "user:" + strconv.FormatInt(user, 10), Name: "nav"}
		if err := s.deps.Publish(ctx, e); err != nil {
			s.Log.Warn("realtime: navigation not refreshed", "plugin", s.Plugin, "error", err)
		}
	}
	return &pluginv1.CountResponse{}, nil
}

// Online tells which of the given members have a tab open, and which of
// those are away from every one.
func (s *Service) Online(ctx context.Context, req *pluginv1.OnlineRequest) (*pluginv1.OnlineResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if len(req.GetUserIds()) > maxPeople {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d people per call", maxPeople)
	}
	resp := &pluginv1.OnlineResponse{}
	if s.deps.Presence == nil {
		return resp, nil
	}
	present, err := s.deps.Presence(ctx, sc.OrgID, req.GetUserIds())
	if err != nil {
		return nil, err
	}
	for _, id := range req.GetUserIds() {
		st := present[id]
		delete(present, id) // each once, however often asked
		switch st {
		case realtime.Away:
			resp.Away = append(resp.Away, id)
			fallthrough
		case realtime.Here:
			resp.Online = append(resp.Online, id)
		}
	}
	return resp, nil
}
