package hostapi

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/refusal"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// The file calls: a plugin reaches the files it keeps in the call's
// organisation (owner = its id), never another plugin's, another
// organisation's, or the core's.

// maxFileList bounds the ids one Files call names.
const maxFileList = 1000

// chunkSize is the most bytes of a file one message carries.
const chunkSize = 1 << 20

// fileScope is the live call a file call names, with the file service.
func (s *Service) fileScope(token string) (*calls.Scope, *files.Service, error) {
	if s.deps.Files == nil {
		return nil, nil, status.Error(codes.Unimplemented, "files are not served by this host")
	}
	sc, err := s.scope(token)
	return sc, s.deps.Files, err
}

// putsAtOnce bounds the files one plugin stores at once: each holds a
// stream and, for an S3 store, a part's buffer in the host.
const putsAtOnce = 4

// fileStatus is the gRPC answer to an error of the file service: a
// refusal says why; anything else is logged, and the plugin learns only
// that it failed (no store's address or folder).
func (s *Service) fileStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var r *refusal.Error
	if errors.As(err, &r) {
		code := codes.InvalidArgument
		switch r.Kind {
		case refusal.NotFound:
			code = codes.NotFound
		case refusal.Conflict:
			code = codes.ResourceExhausted
		}
		return status.Error(code, r.Reason)
	}
	s.Log.Error("plugin file call failed", "plugin", s.Plugin, "error", err.Error())
	return status.Error(codes.Internal, "the file store failed; the host's log says why")
}

func fileInfo(f *files.File) *pluginv1.FileInfo {
	info := &pluginv1.FileInfo{Id: f.ID, Name: f.Name, Size: f.Size, ContentType: f.ContentType, Sha256: f.SHA256,
		CreatedUnix: f.CreatedAt.Unix(), Ref: f.Ref}
	if f.UploadedBy != nil {
		info.UploadedBy = *f.UploadedBy
	}
	if f.DossierID != nil {
		info.DossierId = *f.DossierID
	}
	return info
}

// Files describes the plugin's files by id, or those of one of its records.
func (s *Service) Files(ctx context.Context, req *pluginv1.FilesRequest) (*pluginv1.FilesResponse, error) {
	sc, svc, err := s.fileScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	out := &pluginv1.FilesResponse{}
	if req.GetRef() != "" {
		list, err := svc.List(ctx, sc.OrgID, s.Plugin, req.GetRef())
		if err != nil {
			return nil, s.fileStatus(err)
		}
		for i := range list {
			out.Files = append(out.Files, fileInfo(&list[i]))
		}
		return out, nil
	}
	if len(req.GetIds()) > maxFileList {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d files at once", maxFileList)
	}
	// Another's files, or gone ones, are left out: the plugin learns
	// nothing of them.
	list, err := svc.Owned(ctx, sc.OrgID, s.Plugin, req.GetIds())
	if err != nil {
		return nil, s.fileStatus(err)
	}
	for i := range list {
		out.Files = append(out.Files, fileInfo(&list[i]))
	}
	return out, nil
}

// ClaimFiles attaches uploads to one of the plugin's records, and to a
// dossier the person may add to.
func (s *Service) ClaimFiles(ctx context.Context, req *pluginv1.ClaimFilesRequest) (*pluginv1.ClaimFilesResponse, error) {
	sc, svc, err := s.fileScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if req.GetRef() == "" || len(req.GetRef()) > 100 || len(req.GetIds()) > maxFileList {
		return nil, status.Errorf(codes.InvalidArgument, "a ref of 1 to 100 bytes and at most %d files", maxFileList)
	}
	var dossierID *int64
	if id := req.GetDossierId(); id != 0 {
		if _, level, err := s.dossierLevel(ctx, sc, id); err != nil {
			return nil, err
		} else if level < dossier.Contribute {
			return nil, status.Errorf(codes.PermissionDenied, "the person may not add to dossier %d", id)
		}
		dossierID = &id
	}
	n, err := svc.Claim(ctx, sc.OrgID, s.Plugin, sc.UserID, req.GetIds(), req.GetRef(), dossierID)
	if err != nil {
		return nil, s.fileStatus(err)
	}
	return &pluginv1.ClaimFilesResponse{Claimed: int32(n)}, nil
}

// DeleteFile removes one of the plugin's files.
func (s *Service) DeleteFile(ctx context.Context, req *pluginv1.FileRequest) (*pluginv1.DeleteFileResponse, error) {
	sc, svc, err := s.fileScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := svc.Delete(ctx, sc.OrgID, s.Plugin, req.GetId()); err != nil {
		return nil, s.fileStatus(err)
	}
	return &pluginv1.DeleteFileResponse{}, nil
}

// PutFile stores a file the plugin made, streamed chunk by chunk.
func (s *Service) PutFile(stream grpc.ClientStreamingServer[pluginv1.FileChunk, pluginv1.FileInfo]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	sc, svc, err := s.fileScope(first.GetToken())
	if err != nil {
		return err
	}
	select {
	case s.puts <- struct{}{}:
		defer func() { <-s.puts }()
	default:
		return status.Errorf(codes.ResourceExhausted, "at most %d files are stored at once", putsAtOnce)
	}
	// The file is the call's: it is stored within the call's time, and
	// not after the call ended.
	ctx, cancel := context.WithDeadline(stream.Context(), sc.Deadline)
	defer cancel()
	token := first.GetToken()
	live := func() bool { return s.Calls.Find(s.Plugin, token) != nil }
	if len(first.GetRef()) > 100 || !files.ValidAccept(first.GetAccept()) {
		return status.Error(codes.InvalidArgument, "a ref of at most 100 bytes; accept names kinds or types")
	}
	accept := first.GetAccept()
	if len(accept) == 0 {
		accept = append(append([]string{}, files.DefaultKinds...), "text")
	}
	up := files.Upload{OrganisationID: sc.OrgID, Owner: s.Plugin, Ref: first.GetRef(), Name: first.GetName(), Accept: accept}
	if id := first.GetDossierId(); id != 0 {
		_, level, err := s.dossierLevel(ctx, sc, id)
		if err != nil {
			return err
		}
		if level < dossier.Contribute {
			return status.Errorf(codes.PermissionDenied, "the person may not add to dossier %d", id)
		}
		up.DossierID = &id
	}
	f, err := svc.Store(ctx, up, &chunkReader{next: stream.Recv, live: live, buf: first.GetData()})
	if err != nil {
		return s.fileStatus(err)
	}
	return stream.SendAndClose(fileInfo(f))
}

// chunkReader reads a stream of chunks as bytes, while the call lives.
type chunkReader struct {
	next func() (*pluginv1.FileChunk, error)
	live func() bool
	buf  []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if !r.live() {
			return 0, status.Error(codes.DeadlineExceeded, "the call this file belongs to has ended")
		}
		c, err := r.next()
		if err != nil {
			return 0, err // io.EOF at the stream's end
		}
		if len(c.GetData()) > chunkSize {
			return 0, status.Errorf(codes.InvalidArgument, "a chunk holds at most %d bytes", chunkSize)
		}
		r.buf = c.GetData()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// ReadFile streams one of the plugin's files: what it is first, then its
// bytes.
func (s *Service) ReadFile(req *pluginv1.FileRequest, stream grpc.ServerStreamingServer[pluginv1.FileChunk]) error {
	sc, svc, err := s.fileScope(req.GetToken())
	if err != nil {
		return err
	}
	ctx := stream.Context()
	f, err := svc.GetOwned(ctx, sc.OrgID, s.Plugin, req.GetId())
	if err != nil {
		return s.fileStatus(err)
	}
	rc, err := svc.Open(ctx, f, 0, -1)
	if err != nil {
		return s.fileStatus(err)
	}
	defer rc.Close()
	if err := stream.Send(&pluginv1.FileChunk{Info: fileInfo(f)}); err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			if err := stream.Send(&pluginv1.FileChunk{Data: buf[:n]}); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
