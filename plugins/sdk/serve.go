package sdk

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/plugins/sdk/internal/inprocess"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
	"github.com/atriumhq/atrium/plugins/sdk/wire"
)

// Serve runs the module until the host stops it. It exits by itself when the
// host process is gone, so a plugin never outlives Atrium.
// Since contract v1.0.
func Serve(m *Module) {
	go watchParent()
	tuneCollector()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: wire.Handshake,
		Plugins:         plugin.PluginSet{wire.Name: &wire.GRPC{Impl: &server{module: m}, OnBroker: func(b *plugin.GRPCBroker) { m.broker = b }}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, serverOptions...)...)
		},
		Logger: m.log,
	})
}

// serverOptions are the plugin's own on its gRPC server: a panic is the
// call's error, and workers are kept warm.
var serverOptions = []grpc.ServerOption{grpc.UnaryInterceptor(survivePanics), grpc.NumStreamWorkers(4)}

// The module in a test's process (sdktest): served as above, with the host
// a fake one that the test runs.
func init() {
	inprocess.NewServer = func(module any, host pluginv1.HostClient) *grpc.Server {
		m := module.(*Module)
		m.host = host
		s := grpc.NewServer(serverOptions...)
		pluginv1.RegisterPluginServer(s, &server{module: m})
		return s
	}
}

// Warn writes a line the operator should see (a mail that could not be
// sent, say) into the host's log under the plugin's name; keyvals are
// pairs of a name and a value.
// Since contract v1.3.
func (r *Request) Warn(msg string, keyvals ...any) { r.module.log.Warn(msg, keyvals...) }

// survivePanics turns a panic in a slot, an event handler or a migration
// into that call's error: the plugin keeps serving its other calls.
func survivePanics(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "panic in %s: %v\n", info.FullMethod, p)
			resp, err = nil, status.Errorf(codes.Internal, "the plugin failed in %s", info.FullMethod)
		}
	}()
	return next(ctx, req)
}

// watchParent exits when the host dies (the plugin is then adopted by init).
func watchParent() {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			os.Exit(0)
		}
	}
}

// server serves the Plugin service for a module.
type server struct {
	pluginv1.UnimplementedPluginServer
	module *Module
}

func (s *server) Manifest(_ context.Context, req *pluginv1.ManifestRequest) (*pluginv1.ManifestResponse, error) {
	// One connection to the host's services, dialled now and reused by every call.
	if id := req.GetHostBrokerId(); id != 0 && s.module.broker != nil && s.module.host == nil {
		conn, err := s.module.broker.Dial(id)
		if err != nil {
			return nil, fmt.Errorf("sdk: cannot reach the host's services: %w", err)
		}
		s.module.host = pluginv1.NewHostClient(conn)
	}
	s.module.dialect = req.GetDatabase()
	mf := s.module.manifest
	out := &pluginv1.ManifestResponse{Id: mf.ID, Version: mf.Version, Protocol: pluginv1.ProtocolVersion,
		Label: mf.Label, Summary: mf.Summary, Icon: mf.Icon, Locales: s.module.localeRaw, Implements: []string{"Handle"}}
	for _, p := range mf.Permissions {
		out.Permissions = append(out.Permissions, &pluginv1.Permission{Name: p.Name, DefaultRoles: p.DefaultRoles})
	}
	entry := func(n NavEntry) *pluginv1.NavEntry {
		return &pluginv1.NavEntry{Label: n.Label, Icon: n.Icon, Path: n.Path, Permission: n.Permission, Counted: n.Counted}
	}
	for _, n := range mf.Navigation {
		out.Navigation = append(out.Navigation, entry(n))
	}
	for _, n := range mf.Panels {
		out.Panels = append(out.Panels, entry(n))
	}
	for _, r := range s.module.routes {
		route := &pluginv1.Route{Method: r.method, Path: r.path, Permission: r.permission}
		if u := r.upload; u != nil {
			route.Upload = &pluginv1.Upload{Fields: u.Fields, Accept: u.Accept, MaxBytes: u.MaxBytes, MaxFiles: int32(u.MaxFiles)}
		}
		out.Routes = append(out.Routes, route)
	}
	for name := range s.module.slots {
		out.Slots = append(out.Slots, name)
	}
	if len(out.Slots) > 0 {
		out.Implements = append(out.Implements, "Slot")
	}
	if len(s.module.migrations) > 0 {
		out.Implements = append(out.Implements, "Migrate")
	}
	if s.module.protocol != nil {
		out.RawPrefixes = []string{s.module.ProtocolPrefix()}
		out.WellKnown = s.module.wellKnown
	}
	out.Feed = s.module.feed != nil
	for name := range s.module.events {
		out.Events = append(out.Events, name)
	}
	if s.module.export != nil && s.module.erase != nil {
		out.Implements = append(out.Implements, "Privacy")
	}
	if len(out.Events) > 0 {
		out.Implements = append(out.Implements, "OnEvent")
		out.EventHistory = mf.EventHistory
	}
	return out, nil
}

func (s *server) Migrate(ctx context.Context, req *pluginv1.MigrateRequest) (*pluginv1.MigrateResponse, error) {
	return s.module.migrate(ctx, req)
}

func (s *server) Health(context.Context, *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	return &pluginv1.HealthResponse{Ok: true}, nil
}

func (s *server) Handle(ctx context.Context, req *pluginv1.HandleRequest) (resp *pluginv1.HandleResponse, err error) {
	resp = &pluginv1.HandleResponse{Status: 404, Headers: map[string]string{}}
	r, params := s.module.match(req.GetMethod(), req.GetPath())
	if strings.HasPrefix(req.GetPath(), s.module.ProtocolPrefix()) && s.module.protocol != nil {
		r, params = &route{handler: s.module.protocol}, map[string]string{}
	}
	if req.GetPath() == s.module.feedPath() && s.module.feed != nil {
		r, params = &route{handler: s.module.feed}, map[string]string{}
	}
	if r == nil {
		return resp, nil
	}
	resp.Status = 0 // the page decides; a page that answers nothing is a 200
	query, _ := url.ParseQuery(req.GetQuery())
	form := url.Values{}
	if ct := req.GetHeaders()["Content-Type"]; ct == "application/x-www-form-urlencoded" || ct == "" {
		form, _ = url.ParseQuery(string(req.GetBody()))
	}
	ctx = context.WithValue(ctx, tokenKey{}, req.GetContext().GetToken())
	ctx, reads := withReads(ctx, req.GetPreloads())
	rq := &Request{module: s.module, ctx: req.GetContext(), Context: ctx, Method: req.GetMethod(), Path: req.GetPath(),
		Query: query, Form: form, Params: params, HTMX: req.GetHeaders()["HX-Request"] == "true",
		Header: req.GetHeaders(), Body: req.GetBody(), Refused: req.GetRefused(), resp: resp}
	defer func() {
		if p := recover(); p != nil { // a panicking page answers 500, the plugin keeps running
			resp, err = &pluginv1.HandleResponse{Status: 500, Headers: map[string]string{}}, nil
			fmt.Fprintf(os.Stderr, "panic in %s %s: %v\n", req.GetMethod(), req.GetPath(), p)
		}
	}()
	if err := r.handler(rq); err != nil && failure(err) != 0 {
		_ = rq.Fail(failure(err))
	} else if err != nil {
		// A failing page is a 500 of this page, not a plugin that is down.
		fmt.Fprintf(os.Stderr, "error in %s %s: %v\n", req.GetMethod(), req.GetPath(), err)
		return &pluginv1.HandleResponse{Status: 500, Headers: map[string]string{}}, nil
	}
	if resp.Status == 0 {
		resp.Status = 200
	}
	if req.GetMethod() == "GET" {
		resp.Reads = reads.ranReads()
	}
	return resp, nil
}

func (s *server) OnEvent(ctx context.Context, req *pluginv1.EventRequest) (*pluginv1.EventResponse, error) {
	f := s.module.events[req.GetName()]
	if f == nil {
		return &pluginv1.EventResponse{}, nil
	}
	ctx = context.WithValue(ctx, tokenKey{}, req.GetContext().GetToken())
	rq := &Request{module: s.module, ctx: req.GetContext(), Context: ctx, event: req.GetId(), actor: req.GetActorId(),
		resp: &pluginv1.HandleResponse{Headers: map[string]string{}}}
	if err := f(rq, req.GetPayload()); err != nil {
		return nil, err
	}
	return &pluginv1.EventResponse{}, nil
}

func (s *server) Slot(ctx context.Context, req *pluginv1.SlotRequest) (*pluginv1.SlotResponse, error) {
	f := s.module.slots[req.GetSlot()]
	if f == nil {
		return &pluginv1.SlotResponse{}, nil
	}
	ctx = context.WithValue(ctx, tokenKey{}, req.GetContext().GetToken())
	rq := &Request{module: s.module, ctx: req.GetContext(), Context: ctx, Params: req.GetParams(),
		resp: &pluginv1.HandleResponse{Headers: map[string]string{}}}
	html, err := f(rq)
	if err != nil {
		return nil, err
	}
	return &pluginv1.SlotResponse{Html: []byte(html)}, nil
}

// tuneCollector lets the heap grow to three times what is alive before a
// collection (Go's default is twice): a plugin keeps little alive between
// calls, so at the default a collection ran for nearly every large answer
// (a fifth of a month's calendar query). The host sets GOMEMLIMIT below
// the memory it allows the process, where the collector works harder
// again; without one (a plugin run by hand) Go's default stays.
func tuneCollector() {
	if os.Getenv("GOMEMLIMIT") != "" {
		debug.SetGCPercent(300)
	}
}
