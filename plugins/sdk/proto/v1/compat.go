package pluginv1

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// ProtocolVersion is the contract's major version, sent in the handshake.
const ProtocolVersion = 1

// Breaks lists every way the current contract breaks a released one (a
// FileDescriptorSet, as in v1.baseline.binpb): a removed or renumbered field,
// a field whose type or cardinality changed, a removed message, enum value,
// service or method, or a method whose types or streaming changed.
func Breaks(baseline []byte) ([]string, error) {
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(baseline, &set); err != nil {
		return nil, err
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, err
	}
	old, err := files.FindFileByPath("plugin.proto")
	if err != nil {
		return nil, err
	}
	now := File_plugin_proto
	var breaks []string
	msgs := old.Messages()
	for i := 0; i < msgs.Len(); i++ {
		breaks = append(breaks, messageBreaks(msgs.Get(i), now.Messages().ByName(msgs.Get(i).Name()))...)
	}
	svcs := old.Services()
	for i := 0; i < svcs.Len(); i++ {
		o := svcs.Get(i)
		n := now.Services().ByName(o.Name())
		if n == nil {
			breaks = append(breaks, fmt.Sprintf("service %s removed", o.FullName()))
			continue
		}
		for j := 0; j < o.Methods().Len(); j++ {
			om := o.Methods().Get(j)
			nm := n.Methods().ByName(om.Name())
			switch {
			case nm == nil:
				breaks = append(breaks, fmt.Sprintf("method %s removed", om.FullName()))
			case nm.Input().FullName() != om.Input().FullName() || nm.Output().FullName() != om.Output().FullName():
				breaks = append(breaks, fmt.Sprintf("method %s changed its types", om.FullName()))
			case nm.IsStreamingClient() != om.IsStreamingClient() || nm.IsStreamingServer() != om.IsStreamingServer():
				breaks = append(breaks, fmt.Sprintf("method %s changed streaming", om.FullName()))
			}
		}
	}
	return breaks, nil
}

func messageBreaks(o, n protoreflect.MessageDescriptor) []string {
	if n == nil {
		return []string{fmt.Sprintf("message %s removed", o.FullName())}
	}
	var breaks []string
	for i := 0; i < o.Fields().Len(); i++ {
		of := o.Fields().Get(i)
		nf := n.Fields().ByNumber(of.Number())
		switch {
		case nf == nil:
			breaks = append(breaks, fmt.Sprintf("field %s (%d) removed", of.FullName(), of.Number()))
		case nf.Name() != of.Name():
			breaks = append(breaks, fmt.Sprintf("field %d of %s renamed %s → %s", of.Number(), o.FullName(), of.Name(), nf.Name()))
		case nf.Kind() != of.Kind() || nf.Cardinality() != of.Cardinality() || nf.IsMap() != of.IsMap():
			breaks = append(breaks, fmt.Sprintf("field %s changed type", of.FullName()))
		case (of.Message() != nil) && nf.Message().FullName() != of.Message().FullName():
			breaks = append(breaks, fmt.Sprintf("field %s changed message type", of.FullName()))
		}
	}
	for i := 0; i < o.Enums().Len(); i++ {
		oe := o.Enums().Get(i)
		ne := n.Enums().ByName(oe.Name())
		if ne == nil {
			breaks = append(breaks, fmt.Sprintf("enum %s removed", oe.FullName()))
			continue
		}
		for j := 0; j < oe.Values().Len(); j++ {
			if ne.Values().ByNumber(oe.Values().Get(j).Number()) == nil {
				breaks = append(breaks, fmt.Sprintf("enum value %s removed", oe.Values().Get(j).FullName()))
			}
		}
	}
	for i := 0; i < o.Messages().Len(); i++ {
		breaks = append(breaks, messageBreaks(o.Messages().Get(i), n.Messages().ByName(o.Messages().Get(i).Name()))...)
	}
	return breaks
}
