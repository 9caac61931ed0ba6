package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// ExportFile is one file of the module's part of a person's data export.
// Since contract v1.7.
type ExportFile struct {
	Name string // such as "appointments.json"
	Data []byte
}

// JSONFile is an export file holding v as indented JSON, its text as
// written (no escaping of < > &: the file is no web page).
// Since contract v1.7.
func JSONFile(name string, v any) (ExportFile, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return ExportFile{Name: name, Data: b.Bytes()}, err
}

// ExportFunc gives the module's part of a person's export in the
// request's organisation: what it keeps about them, worth giving back.
// Since contract v1.7.
type ExportFunc func(r *Request, person int64) ([]ExportFile, error)

// EraseFunc erases what the module keeps about a person in the request's
// organisation, or anonymises what the retention keeps (records of
// trajectories that ended less than retention ago). It is asked again if
// it fails, so it must be safe to run twice.
// Since contract v1.7.
type EraseFunc func(r *Request, person int64, retention time.Duration) error

// Privacy makes the module take part in people's data exports and
// erasures, as every module that keeps something about people must: the
// core's export and erasure wait for it.
// Since contract v1.7.
func (m *Module) Privacy(export ExportFunc, erase EraseFunc) {
	m.export, m.erase = export, erase
}

// exportChunk is how much of an export file one message carries.
const exportChunk = 1 << 20

func (s *server) Privacy(req *pluginv1.PrivacyRequest, stream grpc.ServerStreamingServer[pluginv1.PrivacyChunk]) error {
	if s.module.export == nil || s.module.erase == nil {
		return fmt.Errorf("sdk: %s does not take part in exports and erasures", s.module.manifest.ID)
	}
	ctx := context.WithValue(stream.Context(), tokenKey{}, req.GetContext().GetToken())
	rq := &Request{module: s.module, ctx: req.GetContext(), Context: ctx, resp: &pluginv1.HandleResponse{Headers: map[string]string{}}}
	switch req.GetAction() {
	case "export":
		files, err := s.module.export(rq, req.GetPersonId())
		if err != nil {
			fmt.Fprintf(os.Stderr, "export of person %d: %v\n", req.GetPersonId(), err)
			return err
		}
		for _, f := range files {
			data := f.Data
			first := true
			for first || len(data) > 0 {
				n := min(len(data), exportChunk)
				chunk := &pluginv1.PrivacyChunk{Data: data[:n]}
				if first {
					chunk.Name = f.Name
				}
				if err := stream.Send(chunk); err != nil {
					return err
				}
				data, first = data[n:], false
			}
		}
		return nil
	case "erase":
		retention := time.Duration(req.GetRetentionDays()) * 24 * time.Hour
		if err := s.module.erase(rq, req.GetPersonId(), retention); err != nil {
			fmt.Fprintf(os.Stderr, "erasure of person %d: %v\n", req.GetPersonId(), err)
			return err
		}
		return nil
	}
	return fmt.Errorf("sdk: unknown privacy action %q", req.GetAction())
}
