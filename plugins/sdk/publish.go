package sdk

import (
	"html/template"
	"strconv"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Topics a plugin publishes to, always within the request's organisation.

// UserTopic is a member's own topic: every tab they have open.
// Since contract v1.3.
func UserTopic(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// DossierTopic is a dossier's topic: the tabs showing it.
// Since contract v1.3.
func DossierTopic(id int64) string { return "dossier:" + strconv.FormatInt(id, 10) }

// RoomTopic is one of the module's rooms ("room:<id>:<name>"), such as a
// conversation: name is lower-case letters, digits, ':', '_' and '-'.
// Since contract v1.3.
func (r *Request) RoomTopic(name string) string { return "room:" + r.module.manifest.ID + ":" + name }

// Publish sends an event to the open tabs listening to a topic: html is
// swapped into elements with sse-swap="<event>" (htmx's SSE extension), or
// triggers hx-trigger="sse:<event>". The host refuses a member of another
// organisation, a dossier the person may not open, another module's room,
// and more than 64 KiB. Tabs that are not open miss it: keep what matters
// in the database, and let the event only tell what changed.
// Since contract v1.3.
func (r *Request) Publish(topic, event string, html template.HTML) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.Publish(r.Context, &pluginv1.PublishRequest{Token: r.ctx.GetToken(), Topic: topic, Event: event, Html: []byte(html)})
	return err
}

// SetCount sets what waits for a member in the module (unread messages):
// the module's counted navigation entries show it, and the member's open
// tabs refresh their navigation. 0 to 9999.
// Since contract v1.4.
func (r *Request) SetCount(userID int64, n int) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.SetCount(r.Context, &pluginv1.CountRequest{Token: r.ctx.GetToken(), UserId: userID, Count: int32(n)})
	return err
}

// Online lists which of the members have a tab open now, away or not.
// Since contract v1.4.
func (r *Request) Online(ids ...int64) ([]int64, error) {
	present, err := r.Presence(ids...)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range ids {
		if present[id] != Offline {
			out = append(out, id)
		}
	}
	return out, nil
}

// Presence is how present a person is: a tab open and in view, tabs open
// but all hidden or untouched for a while, or none.
// Since contract v1.5.
type Presence string

// The presences, from a tab in view to none. Since contract v1.5.
const (
	Here    Presence = "online"
	Away    Presence = "away"
	Offline Presence = "offline"
)

// Presence tells each member's presence, every one asked. A host before
// v1.5 says nobody is away.
// Since contract v1.5.
func (r *Request) Presence(ids ...int64) (map[int64]Presence, error) {
	if r.module.host == nil {
		return nil, ErrNoHost
	}
	resp, err := r.module.host.Online(r.Context, &pluginv1.OnlineRequest{Token: r.ctx.GetToken(), UserIds: ids})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Presence, len(ids))
	for _, id := range ids {
		out[id] = Offline
	}
	for _, id := range resp.GetOnline() {
		out[id] = Here
	}
	for _, id := range resp.GetAway() {
		out[id] = Away
	}
	return out, nil
}

// Listen makes the page being answered listen to topics besides the
// person's own: a dossier they may open (DossierTopic) or one of the
// module's rooms (RoomTopic). The host checks each and leaves out the ones
// the person may not hear; the tab's stream follows the page, boosted
// navigation included.
// Since contract v1.5.
func (r *Request) Listen(topics ...string) {
	r.resp.Live = append(r.resp.Live, topics...)
}
