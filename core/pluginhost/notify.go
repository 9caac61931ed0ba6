package pluginhost

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/atriumhq/atrium/plugins/proto/v1"
)

// Notify leaves a person of the call's organisation a notice: a line from the
// plugin's messages and a link to one of its pages. Mail follows when the
// person wants the module's mails. Anyone outside the organisation is
// refused as if they did not exist.
func (s *hostService) Notify(ctx context.Context, req *pluginv1.NotifyRequest) (*pluginv1.NotifyResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	message, link := req.GetSubjectMessage(), req.GetLink()
	if !strings.HasPrefix(message, s.plugin+".") || len(message) > 100 {
		return nil, status.Errorf(codes.InvalidArgument, "a notice's message is one of the plugin's, %s.…", s.plugin)
	}
	if !ownLink(s.plugin, link) {
		return nil, status.Errorf(codes.InvalidArgument, "a notice links to one of the plugin's pages, /m/%s/…", s.plugin)
	}
	members, err := s.orgs.RolesAmong(ctx, sc.orgID, []int64{req.GetUserId()})
	if err != nil {
		return nil, err
	}
	if _, ok := members[req.GetUserId()]; !ok {
		return nil, status.Error(codes.NotFound, "no such person in the organisation")
	}
	if err := s.notify(ctx, sc.orgID, req.GetUserId(), s.plugin, message, link); err != nil {
		return nil, err
	}
	return &pluginv1.NotifyResponse{}, nil
}

// ownLink tells whether link is a path below the plugin's pages, and nothing
// that a browser could take for another site.
func ownLink(plugin, link string) bool {
	return strings.HasPrefix(link, "/m/"+plugin+"/") && len(link) <= 500 &&
		!strings.ContainsAny(link, "\\\r\n") && !strings.Contains(link, "//") && !strings.Contains(link, "/../")
}
