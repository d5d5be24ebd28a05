package journal

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendRecord appends rec as one line of JSON, as encoding/json would write it (without
// HTML escaping), field by field: the workflow actor writes a few records per step, and
// reflection over Record's many fields cost more than the write itself.
func appendRecord(b []byte, rec *Record) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, rec.Type)
	b = append(b, `,"time":"`...)
	b = rec.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	str := func(key, v string) {
		if v != "" {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, '"', ':')
			b = appendString(b, v)
		}
	}
	num := func(key string, v int) {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	str("run_id", rec.RunID)
	str("workflow", rec.Workflow)
	str("file", rec.File)
	str("sha256", rec.SHA256)
	for _, m := range []struct {
		key string
		v   any
		n   int
	}{{"inputs", rec.Inputs, len(rec.Inputs)}, {"vars", rec.Vars, len(rec.Vars)}, {"accept", rec.Accept, len(rec.Accept)}, {"rerun", rec.Rerun, len(rec.Rerun)}} {
		if m.n == 0 {
			continue
		}
		v, err := json.Marshal(m.v)
		if err != nil {
			return b, err
		}
		b = append(b, ',', '"')
		b = append(b, m.key...)
		b = append(b, '"', ':')
		b = append(b, v...)
	}
	if rec.PID != 0 {
		num("pid", rec.PID)
	}
	str("step", rec.Step)
	if rec.Item != nil {
		num("item", *rec.Item)
	}
	if rec.Attempt != 0 {
		num("attempt", rec.Attempt)
	}
	str("server", rec.Server)
	str("kind", rec.Kind)
	str("target", rec.Target)
	if rec.Items != nil {
		num("items", *rec.Items)
	}
	str("status", rec.Status)
	str("class", rec.Class)
	str("reason", rec.Reason)
	if rec.Safe {
		b = append(b, `,"safe":true`...)
	}
	str("error", rec.Error)
	if len(rec.Result) > 0 {
		b = append(b, `,"result":`...)
		b = append(b, rec.Result...)
	}
	if rec.OK != nil {
		b = append(b, `,"ok":`...)
		b = strconv.AppendBool(b, *rec.OK)
	}
	return append(b, '}', '\n'), nil
}

// appendString appends s as a JSON string: as is when it is plain printable ASCII, else as
// encoding/json writes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendEscaped(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendEscaped appends s as encoding/json writes a string, without HTML escaping.
func appendEscaped(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
