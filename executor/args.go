package executor

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/spine-mcp/spine/actors"
)

// marshalArgs turns a caller's tool arguments into the JSON object a Request carries.
func marshalArgs(server, tool string, args any) (json.RawMessage, error) {
	switch a := args.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return a, nil
	case []byte:
		return json.RawMessage(a), nil
	case map[string]any:
		if raw, ok := appendFlatObject(a); ok {
			return raw, nil
		}
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, refusal(server, actors.OpCallTool, tool, actors.ReasonInvalid, fmt.Errorf("arguments: %w", err))
	}
	return raw, nil
}

// maxFlatKeys bounds the objects appendFlatObject encodes (its key list lives on the stack).
const maxFlatKeys = 16

// appendFlatObject encodes the most common arguments, a small map of strings, numbers,
// booleans and nulls, exactly as json.Marshal does (sorted keys, HTML-safe escaping), in one
// allocation instead of json.Marshal's reflection and sorting (4 to 8 allocations). Anything
// else (nested values, other types, NaN) reports false and goes to json.Marshal.
func appendFlatObject(m map[string]any) (json.RawMessage, bool) {
	if len(m) > maxFlatKeys {
		return nil, false
	}
	var keyBuf [maxFlatKeys]string
	keys := keyBuf[:0]
	size := 2
	for k, v := range m {
		switch v := v.(type) {
		case string:
			size += len(v) + 8
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, false
			}
			size += 24
		case int, int64, bool, nil:
			size += 20
		default:
			return nil, false
		}
		keys = append(keys, k)
		size += len(k) + 4
	}
	slices.Sort(keys)
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, k)
		out = append(out, ':')
		switch v := m[k].(type) {
		case string:
			out = appendJSONString(out, v)
		case float64:
			out = appendJSONFloat(out, v)
		case int:
			out = strconv.AppendInt(out, int64(v), 10)
		case int64:
			out = strconv.AppendInt(out, v, 10)
		case bool:
			out = strconv.AppendBool(out, v)
		case nil:
			out = append(out, "null"...)
		}
	}
	return append(out, '}'), true
}

// appendJSONFloat formats f as encoding/json does.
func appendJSONFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' { // e-09 becomes e-9, as encoding/json writes it
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does: HTML-safe, invalid UTF-8 replaced by
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
