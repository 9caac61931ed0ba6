package hostapi_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/pluginhost/hostapi"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// putStream is a plugin's PutFile stream: its chunks, then the end; it
// runs between at each chunk (a call that ends meanwhile).
type putStream struct {
	grpc.ServerStream
	ctx     context.Context
	chunks  []*pluginv1.FileChunk
	between func(i int)
	sent    *pluginv1.FileInfo
	i       int
}

func (s *putStream) Context() context.Context { return s.ctx }

func (s *putStream) Recv() (*pluginv1.FileChunk, error) {
	if s.i >= len(s.chunks) {
		return nil, io.EOF
	}
	if s.between != nil {
		s.between(s.i)
	}
	c := s.chunks[s.i]
	s.i++
	return c, nil
}

func (s *putStream) SendAndClose(info *pluginv1.FileInfo) error { s.sent = info; return nil }

// TestAFileOutlivesNoCall: a plugin that keeps a PutFile stream open after
// its call ended stores nothing with it, and one plugin stores only a few
// files at once.
func TestAFileOutlivesNoCall(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	var registry calls.Registry
	svc := hostapi.New(hostapi.Deps{Files: app.Files(), Log: slog.New(slog.DiscardHandler)},
		&wall.Service{Plugin: "notes", Calls: &registry, Log: slog.New(slog.DiscardHandler)}, nil)
	org := app.DemoOrg(t)
	registry.Open("live", &calls.Scope{Plugin: "notes", OrgID: org, Deadline: time.Now().Add(time.Minute)})
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
	stream := &putStream{ctx: context.Background(), chunks: []*pluginv1.FileChunk{
		{Token: "live", Name: "held.pdf", Ref: "r", Data: pdf}, {Data: []byte("more")}},
		between: func(i int) {
			if i == 1 {
				registry.Close("live") // the call ends while its file is on its way
			}
		}}
	if err := svc.PutFile(stream); err == nil || stream.sent != nil {
		t.Errorf("a file stored after its call ended: %v %+v", err, stream.sent)
	}
	n, err := app.DB().NewSelect().Model((*files.File)(nil)).Where("organisation_id = ?", org).Count(context.Background())
	if err != nil || n != 0 {
		t.Errorf("%d files kept (%v)", n, err)
	}
	// One call's streams are bounded: the fifth at once is refused.
	registry.Open("busy", &calls.Scope{Plugin: "notes", OrgID: org, Deadline: time.Now().Add(time.Minute)})
	release := make(chan struct{})
	results := make(chan error, 5)
	for range 5 {
		go func() {
			results <- svc.PutFile(&putStream{ctx: context.Background(), chunks: []*pluginv1.FileChunk{{Token: "busy", Name: "a.pdf", Ref: "r", Data: pdf}, {Data: []byte("x")}},
				between: func(i int) {
					if i == 1 {
						<-release
					}
				}})
		}()
	}
	refused := <-results // the one turned away answers at once
	close(release)
	for range 4 {
		<-results
	}
	if refused == nil {
		t.Error("five files were stored at once by one plugin")
	}
}
