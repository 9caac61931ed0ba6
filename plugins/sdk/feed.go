package sdk

import (
	"time"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Feed serves the module's read-only feed: apps that can only subscribe to
// an address (a calendar's ICS, say) GET /feeds/<id>/<token> without
// signing in; the token names the person and the organisation, and h
// answers for them (with r.Raw) as if they had asked. People make and
// revoke their address through FeedAddress.
// Since contract v1.3.
func (m *Module) Feed(h HandlerFunc) { m.feed = h }

// feedPath is the path a feed request carries to the module.
func (m *Module) feedPath() string { return "/feeds/" + m.manifest.ID }

// FeedAddress is the person's feed address for the module.
// Since contract v1.3.
type FeedAddress struct {
	Active  bool      // there is one that works
	Created time.Time // when it was made
	URL     string    // only right after NewFeedAddress: it is shown once
}

// FeedAddress tells whether the person has a feed address.
// Since contract v1.3.
func (r *Request) FeedAddress() (FeedAddress, error) { return r.feedAction("status") }

// NewFeedAddress makes the person a new feed address; the one before stops
// working. Its URL is in the answer, once.
// Since contract v1.3.
func (r *Request) NewFeedAddress() (FeedAddress, error) { return r.feedAction("issue") }

// RevokeFeedAddress stops the person's feed address working.
// Since contract v1.3.
func (r *Request) RevokeFeedAddress() error {
	_, err := r.feedAction("revoke")
	return err
}

func (r *Request) feedAction(action string) (FeedAddress, error) {
	if r.module.host == nil {
		return FeedAddress{}, ErrNoHost
	}
	resp, err := r.module.host.Feed(r.Context, &pluginv1.FeedRequest{Token: r.ctx.GetToken(), Action: action})
	if err != nil {
		return FeedAddress{}, err
	}
	f := FeedAddress{Active: resp.GetActive()}
	if resp.GetCreatedUnix() > 0 {
		f.Created = time.Unix(resp.GetCreatedUnix(), 0)
	}
	if resp.GetPath() != "" {
		f.URL = r.BaseURL() + resp.GetPath()
	}
	return f, nil
}

// BaseURL is the server's public address ("https://portal.example"), for
// addresses shown to people to give to their apps.
// Since contract v1.3.
func (r *Request) BaseURL() string { return r.ctx.GetBaseUrl() }
