package pluginv1_test

import (
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// TestContractKeepsTheReleasedBaseline fails on any breaking change to
// atrium.plugin.v1 against the released baseline.
func TestContractKeepsTheReleasedBaseline(t *testing.T) {
	t.Parallel()
	baseline, err := os.ReadFile("v1.baseline.binpb")
	if err != nil {
		t.Fatal(err)
	}
	breaks, err := pluginv1.Breaks(baseline)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range breaks {
		t.Errorf("breaking change to atrium.plugin.v1: %s", b)
	}
}

// TestTheCheckCatchesBreaks edits a copy of the baseline the ways a careless
// change would and expects each to be reported.
func TestTheCheckCatchesBreaks(t *testing.T) {
	t.Parallel()
	current := protodesc.ToFileDescriptorProto(pluginv1.File_plugin_proto)
	edits := map[string]func(f *descriptorpb.FileDescriptorProto){
		"removed field": func(f *descriptorpb.FileDescriptorProto) {
			m := find(f, "HandleRequest")
			m.Field = append(m.Field, &descriptorpb.FieldDescriptorProto{Name: proto.String("gone"), Number: proto.Int32(99),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("gone")})
		},
		"changed type": func(f *descriptorpb.FileDescriptorProto) {
			for _, fl := range find(f, "HandleRequest").Field {
				if fl.GetName() == "method" {
					fl.Type = descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum()
				}
			}
		},
		"removed method": func(f *descriptorpb.FileDescriptorProto) {
			f.Service[0].Method = append(f.Service[0].Method, &descriptorpb.MethodDescriptorProto{Name: proto.String("Gone"),
				InputType: proto.String(".atrium.plugin.v1.HealthRequest"), OutputType: proto.String(".atrium.plugin.v1.HealthResponse")})
		},
	}
	for name, edit := range edits {
		// The edit is applied to the baseline: the current contract then lacks it.
		old := proto.Clone(current).(*descriptorpb.FileDescriptorProto)
		edit(old)
		data, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{old}})
		if err != nil {
			t.Fatal(err)
		}
		breaks, err := pluginv1.Breaks(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(breaks) == 0 {
			t.Errorf("%s was not reported", name)
		} else if !strings.Contains(strings.Join(breaks, " "), "removed") && !strings.Contains(strings.Join(breaks, " "), "changed") {
			t.Errorf("%s: %v", name, breaks)
		}
	}
}

func find(f *descriptorpb.FileDescriptorProto, name string) *descriptorpb.DescriptorProto {
	for _, m := range f.MessageType {
		if m.GetName() == name {
			return m
		}
	}
	return nil
}
