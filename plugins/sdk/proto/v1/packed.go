package pluginv1

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Packed rows (RowBatch.packed): each value of each row in turn, a kind
// byte and then its bytes. The host packs, the SDK unpacks; both sides
// read the same values as through Value.
const (
	packedNull  = 0
	packedInt   = 1 // a zig-zag varint
	packedFloat = 2 // eight bytes, little-endian IEEE 754
	packedText  = 3 // a length (uvarint) and the bytes
	packedBlob  = 4 // a length (uvarint) and the bytes
	packedFalse = 5
	packedTrue  = 6
	packedTime  = 7 // nanoseconds since 1970 in UTC, a zig-zag varint
)

// AppendPacked appends one row's values, as database/sql scans them into
// `any`, to a packed batch. A value of another type is sent as its text,
// as the Value form does.
func AppendPacked(b []byte, vals []any) []byte {
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, packedNull)
		case int64:
			b = binary.AppendVarint(append(b, packedInt), x)
		case int32:
			b = binary.AppendVarint(append(b, packedInt), int64(x))
		case float64:
			b = binary.LittleEndian.AppendUint64(append(b, packedFloat), math.Float64bits(x))
		case string:
			b = append(binary.AppendUvarint(append(b, packedText), uint64(len(x))), x...)
		case []byte:
			b = append(binary.AppendUvarint(append(b, packedBlob), uint64(len(x))), x...)
		case bool:
			if x {
				b = append(b, packedTrue)
			} else {
				b = append(b, packedFalse)
			}
		case time.Time:
			b = binary.AppendVarint(append(b, packedTime), x.UnixNano())
		default:
			s := fmt.Sprint(x)
			b = append(binary.AppendUvarint(append(b, packedText), uint64(len(s))), s...)
		}
	}
	return b
}

// errPacked is a packed batch that does not read.
var errPacked = errors.New("pluginv1: a packed row batch that does not read")

// UnpackRow reads the next row of a packed batch into dest (one value per
// column) and returns the rest of the batch. Text and blobs are copies:
// the batch is not kept.
func UnpackRow(b []byte, dest []driver.Value) ([]byte, error) {
	for i := range dest {
		if len(b) == 0 {
			return nil, errPacked
		}
		kind := b[0]
		b = b[1:]
		switch kind {
		case packedNull:
			dest[i] = nil
		case packedInt, packedTime:
			v, n := binary.Varint(b)
			if n <= 0 {
				return nil, errPacked
			}
			b = b[n:]
			if kind == packedInt {
				dest[i] = v
			} else {
				dest[i] = time.Unix(0, v).UTC()
			}
		case packedFloat:
			if len(b) < 8 {
				return nil, errPacked
			}
			dest[i] = math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
		case packedText, packedBlob:
			size, n := binary.Uvarint(b)
			if n <= 0 || size > uint64(len(b)-n) {
				return nil, errPacked
			}
			data := b[n : n+int(size)]
			b = b[n+int(size):]
			if kind == packedText {
				dest[i] = string(data)
			} else {
				dest[i] = append(make([]byte, 0, len(data)), data...) // empty, not NULL
			}
		case packedFalse, packedTrue:
			dest[i] = kind == packedTrue
		default:
			return nil, errPacked
		}
	}
	return b, nil
}
