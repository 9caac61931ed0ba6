package pluginhost

import (
	"context"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/pluginhost/hostapi"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// This file is what the web front asks of the host: a page, a protocol
// request or a slot, for a caller the front has already let in. The front
// speaks HTTP; the host speaks to plugins. Neither reaches into the other.

// MaxAnswer is the most a plugin may answer with.
const MaxAnswer = 16 << 20

// MaxRequest is the largest request body the host hands a plugin. A call
// reaches the plugin as one gRPC message, which the plugin takes up to
// 4 MiB (grpc-go's default, kept by go-plugin and the SDK), with the call's
// context besides the body; a larger body failed there, and was answered
// as if the plugin were down (503). The front refuses it first, as too
// large (413), and the plugin keeps serving.
const MaxRequest = 3 << 20

// Caller is whom a call is made for, and where: the front fills it from
// the signed-in person. The host turns it into the call's scope and the
// plugin's call context; the plugin never names an organisation or a
// person itself.
type Caller struct {
	Org      tenancy.Organisation
	Lineage  []tenancy.Organisation
	Can      access.Set
	Roles    []access.Role
	UserID   int64
	UserName string
	TimeZone string
	Locale   string
	CSRF     string
	// Terms are the organisation's words (or the defaults) for every term,
	// so a plugin never needs the core's message files.
	Terms map[string]i18n.Words
}

// Request is an HTTP request as a plugin receives it: the path below the
// module, and only the headers the front passes on.
type Request struct {
	Method, Path, Query string
	Body                []byte
	Headers             map[string]string
	Params              map[string]string
	// Address is the page's address as asked; a GET with one gets the reads
	// the page ran last time at this address before it asks (preloads).
	Address string
	// Refused are the file fields of an upload the front refused, with
	// why, for the plugin to show on its form.
	Refused map[string]string
}

// Answer is a plugin's answer as the front shows it.
type Answer struct {
	Status  int
	Raw     bool // bytes as they are, not a page in the layout
	Title   string
	Headers map[string]string
	Body    []byte
	// Live are the topics the page listens to that the caller may hear.
	Live []string
	// File is one of the plugin's files to send instead of a body (the web
	// front sends it, checking it is the plugin's); Inline shows it in the
	// browser where its type allows.
	File   int64
	Inline bool
}

// Handle passes a request to a plugin's page and gives its answer. The
// host bounds the call by the configured call timeout; ErrDown says the
// plugin is not running, any other error that the call failed.
func (h *Host) Handle(ctx context.Context, plugin string, who Caller, req Request) (*Answer, error) {
	p, rpc := h.running(plugin)
	if rpc == nil {
		return nil, ErrDown
	}
	cc, done := h.open(p, who)
	defer done()
	ctx, cancel := context.WithTimeout(ctx, h.Config.CallTimeout)
	defer cancel()
	in := &pluginv1.HandleRequest{Context: cc, Method: req.Method, Path: req.Path, Query: req.Query, Body: req.Body,
		Headers: req.Headers, Params: req.Params, Refused: req.Refused}
	key := ""
	if req.Address != "" && req.Method == "GET" {
		key = wall.PreloadKey(p.Name, req.Address, who.Org.ID, who.UserID)
		in.Preloads = h.wall.Preload(ctx, p.Name, h.calls.Find(p.Name, cc.GetToken()), h.preloads.Get(key))
	}
	started := time.Now()
	resp, err := rpc.Handle(ctx, in)
	if err != nil {
		h.Log.Warn("plugin call failed", "plugin", p.Name, "path", req.Path, "error", err.Error(), "ms", time.Since(started).Milliseconds())
		return nil, err
	}
	if key != "" {
		h.preloads.Put(key, resp.GetReads())
	}
	out := &Answer{Status: int(resp.GetStatus()), Raw: resp.GetKind() == pluginv1.HandleResponse_KIND_RAW,
		Title: resp.GetTitle(), Headers: resp.GetHeaders(), Body: resp.GetBody(), File: resp.GetFile(), Inline: resp.GetInline()}
	if len(resp.GetLive()) > 0 {
		out.Live = h.audible(ctx, p, cc.GetToken(), resp.GetLive())
	}
	return out, nil
}

// Slot opens a call for a plugin's part of a slot now, while the caller is
// known, and returns the work that asks for it, bounded by the slot
// timeout; nil when the plugin is not running. The work runs once.
func (h *Host) Slot(plugin, slot string, who Caller, params map[string]string) func() (string, error) {
	p, rpc := h.running(plugin)
	if rpc == nil {
		return nil
	}
	cc, done := h.open(p, who)
	return func() (string, error) {
		defer done()
		ctx, cancel := context.WithTimeout(context.Background(), h.Config.SlotTimeout)
		defer cancel()
		resp, err := rpc.Slot(ctx, &pluginv1.SlotRequest{Context: cc, Slot: slot, Params: params})
		if err == nil && ctx.Err() != nil {
			// An answer sent as the deadline passed (a plugin that answers
			// when its call is cancelled) is as late as none.
			err = ctx.Err()
		}
		if err != nil {
			h.Log.Warn("plugin slot left out", "plugin", p.Name, "slot", slot, "error", err.Error())
			return "", err
		}
		return string(resp.GetHtml()), nil
	}
}

// running is a plugin and its connection; nil when it is not running.
func (h *Host) running(name string) (*Plugin, pluginv1.PluginClient) {
	p := h.Plugin(name)
	if p == nil {
		return nil, nil
	}
	return p, p.conn()
}

// open opens a call for the caller and gives its context; done ends it.
func (h *Host) open(p *Plugin, who Caller) (*pluginv1.CallContext, func()) {
	cc := &pluginv1.CallContext{Token: secrets.Token(24), OrganisationId: who.Org.ID, OrganisationName: who.Org.Name,
		UserId: who.UserID, UserName: who.UserName, Locale: who.Locale, Csrf: who.CSRF, TimeZone: who.TimeZone,
		Terms: make(map[string]*pluginv1.Words, len(who.Terms)), BaseUrl: h.BaseURL}
	for _, r := range who.Roles {
		cc.Roles = append(cc.Roles, string(r))
	}
	for perm, ok := range who.Can {
		if ok {
			cc.Permissions = append(cc.Permissions, string(perm))
		}
	}
	for k, w := range who.Terms {
		cc.Terms[k] = &pluginv1.Words{One: w.One, Other: w.Other}
	}
	h.calls.Open(cc.Token, &calls.Scope{Plugin: p.Name, OrgID: who.Org.ID, UserID: who.UserID, Locale: who.Locale, Can: who.Can,
		Lineage: who.Lineage, Deadline: time.Now().Add(h.Config.CallTimeout)})
	return cc, func() { h.calls.Close(cc.Token) }
}

// audible keeps the topics a plugin's page listens to that the caller may
// hear.
func (h *Host) audible(ctx context.Context, p *Plugin, token string, topics []string) []string {
	db := &wall.Service{Plugin: p.Name, Calls: &h.calls, Wall: h.wall, Log: h.Log}
	return hostapi.New(h.api(), db, nil).Audible(ctx, token, topics)
}
