package executor

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// The fast path must produce the bytes json.Marshal produces, for every input it accepts.
func TestMarshalArgsMatchesJSONMarshal(t *testing.T) {
	many := map[string]any{}
	for i := range maxFlatKeys + 1 {
		many[strings.Repeat("k", i+1)] = i
	}
	for _, args := range []map[string]any{
		{},
		{"text": "hi"},
		{"a": 2.0, "b": 3, "c": int64(-7), "d": true, "e": nil, "f": false},
		{"html": "<a href=\"x\">&</a>", "ctl": "\x00\x01\b\f\n\r\t\x1f\x7f", "bs": `back\slash`},
		{"utf8": "héllo wörld ✓ 日本", "bad": "\xff\xfeok\xc3", "sep": "a\u2028b\u2029c"},
		{"tiny": 1e-7, "huge": 1e21, "neg": -1.5e-9, "frac": 0.1, "zero": 0.0, "negzero": math.Copysign(0, -1), "big": 123456789012.0},
		{"nested": map[string]any{"x": 1}}, // falls back
		{"list": []any{1, "two"}},          // falls back
		{"nan": math.NaN()},                // falls back (and fails, like json.Marshal)
		{"uint": uint8(3), "str": "x"},     // falls back
		{"é": "key order is byte order", "z": 1, "A": 2, "": 3},
		many, // too many keys: falls back
	} {
		want, wantErr := json.Marshal(args)
		got, gotErr := marshalArgs("s", "t", args)
		if (wantErr != nil) != (gotErr != nil) {
			t.Errorf("%v: error %v, json.Marshal's %v", args, gotErr, wantErr)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v:\n got %s\nwant %s", args, got, want)
		}
	}
}

func BenchmarkMarshalArgs(b *testing.B) {
	args := map[string]any{"text": "hi", "n": 3.0}
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_, _ = marshalArgs("s", "t", args)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_, _ = json.Marshal(args)
		}
	})
}
