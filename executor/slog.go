package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/rs/zerolog"
)

// zerologTo returns a zerolog logger whose events become records of h: SPINE logs through
// zerolog everywhere, and this one bridge at the edge gives a program its own log/slog
// handler. The logger's level is the lowest h enables, so that a disabled level costs what
// it costs in zerolog: nothing.
func zerologTo(h slog.Handler) zerolog.Logger {
	level := zerolog.Disabled
	for _, l := range []zerolog.Level{zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel} {
		if h.Enabled(context.Background(), slogLevel(l)) {
			level = l
			break
		}
	}
	return zerolog.New(slogWriter{h}).Level(level)
}

// slogLevel maps a zerolog level to slog's: trace below debug, fatal and panic above error.
func slogLevel(l zerolog.Level) slog.Level {
	switch l {
	case zerolog.TraceLevel:
		return slog.LevelDebug - 4
	case zerolog.DebugLevel:
		return slog.LevelDebug
	case zerolog.WarnLevel:
		return slog.LevelWarn
	case zerolog.ErrorLevel:
		return slog.LevelError
	case zerolog.FatalLevel, zerolog.PanicLevel:
		return slog.LevelError + 4
	}
	return slog.LevelInfo
}

// slogWriter turns each zerolog event (one JSON object) into a slog record: "message" is
// the record's message, "level" its level, every other field an attribute, in order.
type slogWriter struct{ h slog.Handler }

func (w slogWriter) Write(p []byte) (int, error) { return w.WriteLevel(zerolog.NoLevel, p) }

func (w slogWriter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	ctx := context.Background()
	level := slogLevel(l)
	if !w.h.Enabled(ctx, level) {
		return len(p), nil
	}
	r := slog.NewRecord(time.Now(), level, "", 0)
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		r.Message = string(bytes.TrimSpace(p)) // not an object: keep it as it is
		return len(p), w.h.Handle(ctx, r)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			break
		}
		switch key {
		case zerolog.MessageFieldName:
			r.Message, _ = v.(string)
		case zerolog.LevelFieldName:
		default:
			r.AddAttrs(slog.Any(key, plainNumber(v)))
		}
	}
	return len(p), w.h.Handle(ctx, r)
}

// plainNumber gives a JSON number as an int64 when it is one, else as a float64.
func plainNumber(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, _ := n.Float64()
	return f
}
