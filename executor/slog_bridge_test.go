package executor

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// recorder keeps the records a handler is given.
type recorder struct {
	level   slog.Level
	records []slog.Record
}

func (r *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= r.level }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.records = append(r.records, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// TestZerologTo: each zerolog event becomes one record with its level, message and fields in
// order (integers as int64, durations as zerolog writes them); levels the handler does not
// enable never reach it.
func TestZerologTo(t *testing.T) {
	tests := []struct {
		name    string
		handler slog.Level
		log     func(l *recorder)
		want    []string // level/message of each record
	}{
		{"warn at info", slog.LevelInfo, func(r *recorder) {
			l := zerologTo(r)
			l.Warn().Str("server", "demo").Msg("connect_failed")
		}, []string{"WARN connect_failed"}},
		{"debug at info is dropped", slog.LevelInfo, func(r *recorder) {
			l := zerologTo(r)
			l.Debug().Msg("quiet")
			l.Error().Msg("loud")
		}, []string{"ERROR loud"}},
		{"trace and debug at the lowest level", slog.LevelDebug - 4, func(r *recorder) {
			l := zerologTo(r)
			l.Trace().Msg("t")
			l.Debug().Msg("d")
		}, []string{"DEBUG-4 t", "DEBUG d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{level: tt.handler}
			tt.log(r)
			if len(r.records) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(r.records), len(tt.want))
			}
			for i, rec := range r.records {
				if got := rec.Level.String() + " " + rec.Message; got != tt.want[i] {
					t.Errorf("record %d = %q, want %q", i, got, tt.want[i])
				}
			}
		})
	}

	r := &recorder{level: slog.LevelDebug}
	l := zerologTo(r)
	l.Warn().Str("server", "demo").Uint64("session", 7).Dur("duration", 1500*time.Millisecond).
		Bool("hit", true).Err(errors.New("boom")).Msg("session_lost")
	if len(r.records) != 1 {
		t.Fatalf("%d records", len(r.records))
	}
	var got []string
	r.records[0].Attrs(func(a slog.Attr) bool {
		got = append(got, a.Key+"="+a.Value.String())
		return true
	})
	want := []string{"server=demo", "session=7", "duration=1500", "hit=true", "error=boom"}
	if len(got) != len(want) {
		t.Fatalf("attrs %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attrs %v, want %v", got, want)
			break
		}
	}
}
