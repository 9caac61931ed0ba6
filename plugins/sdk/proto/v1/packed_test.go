package pluginv1

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

// TestPackedRowsRoundTrip: every kind of value a query scans comes back as
// the Value form gives it, row after row.
func TestPackedRowsRoundTrip(t *testing.T) {
	when := time.Date(2030, 12, 1, 9, 30, 0, 123, time.FixedZone("CET", 3600))
	rows := [][]any{
		{nil, int64(-42), int32(7), 3.25, "tekst — ü", []byte{0, 1, 2}, true, false, when},
		{int64(math.MaxInt64), math.Inf(-1), "", []byte{}, struct{ A int }{5}, int64(math.MinInt64), "x", nil, time.Unix(0, 0)},
	}
	var b []byte
	for _, r := range rows {
		b = AppendPacked(b, r)
	}
	for i, r := range rows {
		dest := make([]driver.Value, len(r))
		var err error
		if b, err = UnpackRow(b, dest); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		for j, v := range r {
			// As the Value form gives it (a type it has none for as text).
			wire, ok := ValueOf(v)
			if !ok {
				wire, _ = ValueOf(fmt.Sprint(v))
			}
			want, _ := wire.Go()
			if !reflect.DeepEqual(dest[j], want) {
				t.Errorf("row %d value %d: %#v, want %#v", i, j, dest[j], want)
			}
		}
	}
	if len(b) != 0 {
		t.Errorf("%d bytes left after the rows", len(b))
	}
}

// TestPackedRowsThatDoNotRead: a truncated or unknown batch is an error,
// never a panic or a value made up.
func TestPackedRowsThatDoNotRead(t *testing.T) {
	whole := AppendPacked(nil, []any{"hello", int64(300), 2.5, []byte("blob"), time.Now()})
	for n := range len(whole) {
		if _, err := UnpackRow(whole[:n], make([]driver.Value, 5)); err == nil {
			t.Errorf("the first %d bytes of %d read as a row", n, len(whole))
		}
	}
	for _, bad := range [][]byte{{9}, {packedText, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, {packedText, 5, 'a'}, {packedInt, 0x80}} {
		if _, err := UnpackRow(bad, make([]driver.Value, 1)); err == nil {
			t.Errorf("%v read as a row", bad)
		}
	}
}

// FuzzUnpackRow: whatever bytes arrive, unpacking ends in a row or an error.
func FuzzUnpackRow(f *testing.F) {
	f.Add(AppendPacked(nil, []any{"a", int64(1), nil}), 3)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 64 {
			return
		}
		_, _ = UnpackRow(b, make([]driver.Value, n))
	})
}
