package journal

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// appendRecord writes what encoding/json would, field for field.
func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	yes := true
	recs := []Record{
		{Type: TypeRun, Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), RunID: "run-1", Workflow: "w \"q\" <b> é", File: "/x/y.toml",
			SHA256: "ab", Inputs: map[string]any{"n": 1.5, "l": []any{"a"}}, Vars: map[string]any{"v": "x"}, PID: 42},
		{Type: TypeResume, Accept: []string{"a"}, Rerun: []string{"b", "c"}},
		{Type: TypeAttempt, Step: "s", Item: intp(0), Attempt: 2, Server: "demo", Kind: "tool", Target: "echo\n\t\x01", Items: intp(3)},
		{Type: TypeOutcome, Step: "s", Status: OutcomeFailed, Class: "maybe_ran", Reason: "session_lost", Safe: true, Error: "boom \\ \u2028"},
		{Type: TypeOutcome, Step: "s", Status: OutcomeOK, Result: json.RawMessage(`{"content":[{"type":"text","text":"hi"}]}`)},
		{Type: TypeEnd, OK: &yes, Status: "ok"},
	}
	for _, rec := range recs {
		b, err := appendRecord(nil, &rec)
		if err != nil {
			t.Fatal(err)
		}
		var got, want Record
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		std, _ := json.Marshal(rec)
		_ = json.Unmarshal(std, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("appendRecord:\n%s\nencoding/json:\n%s", b, std)
		}
		if b[len(b)-1] != '\n' || json.Valid(b[:len(b)-1]) == false {
			t.Errorf("not one line of JSON: %q", b)
		}
	}
}
