package sdktest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/plugins/sdk"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// file is one file the fake keeps, in memory.
type file struct {
	info sdk.File
	org  int64
	data []byte
}

// Upload sends a form with one file to one of the module's upload pages
// (UploadPage), as the host does: the file is kept (unclaimed, as the
// caller's) and the page gets the form with its id in the field. The fake
// takes every type; the real host's checks are the core's to test.
// Since contract v1.7.
func (c *Caller) Upload(path string, form url.Values, field, name string, data []byte) *Response {
	c.h.t.Helper()
	id := c.h.keep(c.Organisation, sdk.File{Name: name, UploadedBy: c.Person}, data)
	if form == nil {
		form = url.Values{}
	}
	form.Add(field, strconv.FormatInt(id, 10))
	return c.PostForm(path, form)
}

// File is a file the module keeps (or was given), with its bytes.
// Since contract v1.7.
func (h *Host) File(id int64) (sdk.File, []byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.files[id]
	if !ok {
		return sdk.File{}, nil, false
	}
	return f.info, f.data, true
}

// keep stores a file and gives its id.
func (h *Host) keep(org int64, info sdk.File, data []byte) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	info.ID, info.Size, info.Created = h.nextID, int64(len(data)), time.Now().UTC()
	info.Name = path.Base("/" + strings.ReplaceAll(info.Name, `\`, "/"))
	info.ContentType = http.DetectContentType(data)
	if h.files == nil {
		h.files = map[int64]*file{}
	}
	h.files[info.ID] = &file{info: info, org: org, data: data}
	return info.ID
}

func fileInfo(f sdk.File) *pluginv1.FileInfo {
	return &pluginv1.FileInfo{Id: f.ID, Name: f.Name, Size: f.Size, ContentType: f.ContentType, Sha256: f.SHA256,
		UploadedBy: f.UploadedBy, CreatedUnix: f.Created.Unix(), Ref: f.Ref, DossierId: f.DossierID}
}

// owned finds a file of the call's organisation.
func (s *hostService) owned(sc *scope, id int64) (*file, error) {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	f, ok := s.h.files[id]
	if !ok || f.org != sc.org {
		return nil, status.Error(codes.NotFound, "no such file")
	}
	return f, nil
}

func (s *hostService) Files(_ context.Context, req *pluginv1.FilesRequest) (*pluginv1.FilesResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	out := &pluginv1.FilesResponse{}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	for _, f := range s.h.files {
		if f.org == sc.org && ((req.GetRef() != "" && f.info.Ref == req.GetRef()) || containsID(req.GetIds(), f.info.ID)) {
			out.Files = append(out.Files, fileInfo(f.info))
		}
	}
	return out, nil
}

func containsID(ids []int64, id int64) bool {
	for _, i := range ids {
		if i == id {
			return true
		}
	}
	return false
}

func (s *hostService) ClaimFiles(_ context.Context, req *pluginv1.ClaimFilesRequest) (*pluginv1.ClaimFilesResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if req.GetRef() == "" {
		return nil, status.Error(codes.InvalidArgument, "a ref of 1 to 100 bytes")
	}
	n := 0
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	for _, id := range req.GetIds() {
		if f, ok := s.h.files[id]; ok && f.org == sc.org && f.info.Ref == "" && f.info.UploadedBy == sc.person {
			f.info.Ref, f.info.DossierID = req.GetRef(), req.GetDossierId()
			n++
		}
	}
	return &pluginv1.ClaimFilesResponse{Claimed: int32(n)}, nil
}

func (s *hostService) DeleteFile(_ context.Context, req *pluginv1.FileRequest) (*pluginv1.DeleteFileResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if _, err := s.owned(sc, req.GetId()); err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	delete(s.h.files, req.GetId())
	s.h.mu.Unlock()
	return &pluginv1.DeleteFileResponse{}, nil
}

func (s *hostService) PutFile(stream grpc.ClientStreamingServer[pluginv1.FileChunk, pluginv1.FileInfo]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	sc, err := s.scope(first.GetToken())
	if err != nil {
		return err
	}
	data := append([]byte(nil), first.GetData()...)
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		data = append(data, c.GetData()...)
	}
	if len(data) == 0 {
		return status.Error(codes.InvalidArgument, "files: the file is empty")
	}
	id := s.h.keep(sc.org, sdk.File{Name: first.GetName(), Ref: first.GetRef(), DossierID: first.GetDossierId()}, data)
	f, _, _ := s.h.File(id)
	return stream.SendAndClose(fileInfo(f))
}

func (s *hostService) ReadFile(req *pluginv1.FileRequest, stream grpc.ServerStreamingServer[pluginv1.FileChunk]) error {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return err
	}
	f, err := s.owned(sc, req.GetId())
	if err != nil {
		return err
	}
	if err := stream.Send(&pluginv1.FileChunk{Info: fileInfo(f.info)}); err != nil {
		return err
	}
	return stream.Send(&pluginv1.FileChunk{Data: f.data})
}
