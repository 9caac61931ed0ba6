package hostapi

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Feed tells of, makes or revokes the person's feed address for the plugin
// in the call's organisation. Only a plugin that serves a feed has one.
func (s *Service) Feed(ctx context.Context, req *pluginv1.FeedRequest) (*pluginv1.FeedResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if m := s.serves(); m == nil || !m.GetFeed() {
		return nil, status.Error(codes.FailedPrecondition, "the plugin's manifest declares no feed")
	}
	out := &pluginv1.FeedResponse{}
	switch req.GetAction() {
	case "issue":
		plain, err := s.deps.Identity.IssueFeed(ctx, sc.UserID, sc.OrgID, s.Plugin)
		if err != nil {
			return nil, err
		}
		out.Path = "/feeds/" + s.Plugin + "/" + plain
	case "revoke":
		if err := s.deps.Identity.RevokeFeed(ctx, sc.UserID, sc.OrgID, s.Plugin); err != nil {
			return nil, err
		}
	case "status":
	default:
		return nil, status.Error(codes.InvalidArgument, `a feed action is "status", "issue" or "revoke"`)
	}
	f, err := s.deps.Identity.Feed(ctx, sc.UserID, sc.OrgID, s.Plugin)
	if err != nil {
		return nil, err
	}
	if f != nil {
		out.Active, out.CreatedUnix = true, f.CreatedAt.Unix()
	}
	return out, nil
}
