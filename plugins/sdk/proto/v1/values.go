package pluginv1

import (
	"fmt"
	"time"
)

// ValueOf is a Go value, as database/sql binds or scans it, in its wire
// form; ok is false for a type the wire has no form for.
func ValueOf(v any) (_ *Value, ok bool) {
	switch x := v.(type) {
	case nil:
		return &Value{Kind: &Value_Null{Null: true}}, true
	case int64:
		return &Value{Kind: &Value_Int{Int: x}}, true
	case int32:
		return &Value{Kind: &Value_Int{Int: int64(x)}}, true
	case float64:
		return &Value{Kind: &Value_Float{Float: x}}, true
	case string:
		return &Value{Kind: &Value_Text{Text: x}}, true
	case []byte:
		return &Value{Kind: &Value_Blob{Blob: x}}, true
	case bool:
		return &Value{Kind: &Value_Bool{Bool: x}}, true
	case time.Time:
		return &Value{Kind: &Value_TimeUnixNano{TimeUnixNano: x.UnixNano()}}, true
	}
	return nil, false
}

// Go is a wire value as Go has it: nil, int64, float64, string, []byte,
// bool or a time in UTC; ok is false for a kind this side does not know.
func (v *Value) Go() (_ any, ok bool) {
	switch k := v.GetKind().(type) {
	case *Value_Null, nil:
		return nil, true
	case *Value_Int:
		return k.Int, true
	case *Value_Float:
		return k.Float, true
	case *Value_Text:
		return k.Text, true
	case *Value_Blob:
		return k.Blob, true
	case *Value_Bool:
		return k.Bool, true
	case *Value_TimeUnixNano:
		return time.Unix(0, k.TimeUnixNano).UTC(), true
	}
	return nil, false
}

// Args turns wire values into a statement's arguments, as the host and
// the SDK's test host run them. Since contract v1.6.
func Args(vals []*Value) ([]any, error) {
	out := make([]any, len(vals))
	for i, v := range vals {
		var ok bool
		if out[i], ok = v.Go(); !ok {
			return nil, fmt.Errorf("argument %d has an unknown type", i)
		}
	}
	return out, nil
}
