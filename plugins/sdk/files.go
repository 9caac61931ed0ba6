package sdk

import (
	"errors"
	"io"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// File is one of the module's files in the organisation.
// Since contract v1.7.
type File struct {
	ID          int64
	Name        string // cleaned: no folders, no control characters
	Size        int64
	ContentType string // taken from its bytes, never its name
	SHA256      string
	UploadedBy  int64 // 0: the module made it
	Created     time.Time
	Ref         string // the record it belongs to; empty while unclaimed
	DossierID   int64
}

// Files reaches the module's files in the call's organisation: what a
// form brought, what a record holds, and files the module makes itself.
// Since contract v1.7.
type Files struct{ r *Request }

// Files is the module's file store for this call.
// Since contract v1.7.
func (r *Request) Files() Files { return Files{r: r} }

func fileOf(info *pluginv1.FileInfo) File {
	return File{ID: info.GetId(), Name: info.GetName(), Size: info.GetSize(), ContentType: info.GetContentType(),
		SHA256: info.GetSha256(), UploadedBy: info.GetUploadedBy(), Created: time.Unix(info.GetCreatedUnix(), 0).UTC(),
		Ref: info.GetRef(), DossierID: info.GetDossierId()}
}

func (f Files) host() (pluginv1.HostClient, error) {
	if f.r.module.host == nil {
		return nil, ErrNoHost
	}
	return f.r.module.host, nil
}

// Uploaded are the files a form's field brought (UploadPage), in order:
// the person's own, not yet claimed.
func (f Files) Uploaded(field string) ([]File, error) {
	var ids []int64
	for _, v := range f.r.Form[field] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, ErrNotFound // not a field the host filled
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	got, err := f.Get(ids...)
	if err != nil {
		return nil, err
	}
	mine := got[:0]
	for _, file := range got {
		if file.Ref == "" && file.UploadedBy == f.r.UserID() {
			mine = append(mine, file)
		}
	}
	return mine, nil
}

// Get describes files by id; those that are not the module's here are
// left out.
func (f Files) Get(ids ...int64) ([]File, error) {
	h, err := f.host()
	if err != nil {
		return nil, err
	}
	resp, err := h.Files(f.r.Context, &pluginv1.FilesRequest{Token: f.r.ctx.GetToken(), Ids: ids})
	return filesOf(resp, err)
}

// Of lists the files of one of the module's records, oldest first.
func (f Files) Of(ref string) ([]File, error) {
	h, err := f.host()
	if err != nil {
		return nil, err
	}
	resp, err := h.Files(f.r.Context, &pluginv1.FilesRequest{Token: f.r.ctx.GetToken(), Ref: ref})
	return filesOf(resp, err)
}

func filesOf(resp *pluginv1.FilesResponse, err error) ([]File, error) {
	if err != nil {
		return nil, err
	}
	out := make([]File, 0, len(resp.GetFiles()))
	for _, info := range resp.GetFiles() {
		out = append(out, fileOf(info))
	}
	return out, nil
}

// Claim attaches uploaded files to one of the module's records (its own
// name for it, such as "post:12") and, where dossierID is not 0, to a
// dossier the person may add to. Claim after the record is committed:
// files never claimed are removed after a day. It tells how many were.
func (f Files) Claim(ref string, dossierID int64, ids ...int64) (int, error) {
	h, err := f.host()
	if err != nil {
		return 0, err
	}
	resp, err := h.ClaimFiles(f.r.Context, &pluginv1.ClaimFilesRequest{Token: f.r.ctx.GetToken(), Ids: ids, Ref: ref, DossierId: dossierID})
	if err != nil {
		return 0, fileError(err)
	}
	return int(resp.GetClaimed()), nil
}

// Delete removes one of the module's files.
func (f Files) Delete(id int64) error {
	h, err := f.host()
	if err != nil {
		return err
	}
	_, err = h.DeleteFile(f.r.Context, &pluginv1.FileRequest{Token: f.r.ctx.GetToken(), Id: id})
	return fileError(err)
}

// Put stores a file the module made (an invoice's PDF), streamed from
// body, as ref's (and the dossier's, where not 0). Its type comes from its
// bytes; accept names the kinds it must be (empty: any kind).
func (f Files) Put(name, ref string, dossierID int64, body io.Reader, accept ...string) (File, error) {
	h, err := f.host()
	if err != nil {
		return File{}, err
	}
	stream, err := h.PutFile(f.r.Context)
	if err != nil {
		return File{}, err
	}
	first := &pluginv1.FileChunk{Token: f.r.ctx.GetToken(), Name: name, Ref: ref, DossierId: dossierID, Accept: accept}
	buf := make([]byte, 256<<10)
	for {
		n, rerr := body.Read(buf)
		if n > 0 || first != nil {
			chunk := first
			if chunk == nil {
				chunk = &pluginv1.FileChunk{}
			}
			chunk.Data = append([]byte(nil), buf[:n]...)
			first = nil
			if err := stream.Send(chunk); err != nil {
				break // the host's answer below says why
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			_ = stream.CloseSend()
			return File{}, rerr
		}
	}
	info, err := stream.CloseAndRecv()
	if err != nil {
		return File{}, fileError(err)
	}
	return fileOf(info), nil
}

// Open reads one of the module's files: what it is, and its bytes to read
// and close.
func (f Files) Open(id int64) (File, io.ReadCloser, error) {
	h, err := f.host()
	if err != nil {
		return File{}, nil, err
	}
	stream, err := h.ReadFile(f.r.Context, &pluginv1.FileRequest{Token: f.r.ctx.GetToken(), Id: id})
	if err != nil {
		return File{}, nil, err
	}
	first, err := stream.Recv()
	if err != nil {
		return File{}, nil, fileError(err)
	}
	pr, pw := io.Pipe()
	go func() {
		for {
			c, err := stream.Recv()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				pw.CloseWithError(err)
				return
			}
			if _, err := pw.Write(c.GetData()); err != nil {
				return // the reader closed
			}
		}
	}()
	return fileOf(first.GetInfo()), pr, nil
}

// SendFile answers with one of the module's files, which the host sends
// (its name, type, ranges, entity tag): decide first whether the person
// may read it. inline shows images, PDFs and text in the browser, under a
// policy that keeps them from running anything; otherwise it downloads.
// Since contract v1.7.
func (r *Request) SendFile(id int64, inline bool) error {
	r.resp.File, r.resp.Inline = id, inline
	r.resp.Status = 200
	return nil
}

// ErrFull is the organisation's storage being full, or a file larger than
// it may keep.
// Since contract v1.7.
var ErrFull = errors.New("sdk: the organisation's storage for files is full")

// fileError is a host's file refusal as the SDK's errors.
func fileError(err error) error {
	switch status.Code(err) {
	case codes.NotFound:
		return ErrNotFound
	case codes.PermissionDenied:
		return ErrForbidden
	case codes.ResourceExhausted:
		return ErrFull
	}
	return err
}
