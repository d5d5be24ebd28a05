package executor

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/spine-mcp/spine/actors"
)

// The executor's own types mirror the runtime's field by field, converted once at the
// boundary. These tests fill every field of the runtime's value, convert it, and check that
// each field arrived under its name with its value: a field added to the runtime and not to
// the executor's face fails here.

// fill gives every field of v a distinct value; n numbers them.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(1_700_000_000+*n), 0).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Uint64, reflect.Uint8:
		v.SetUint(uint64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf(fmt.Sprintf("k%d", *n)), reflect.ValueOf(any(*n)))
		v.Set(m)
	case reflect.Interface:
		if v.Type() == reflect.TypeFor[error]() {
			v.Set(reflect.ValueOf(fmt.Errorf("e%d", *n)))
		} else {
			v.Set(reflect.ValueOf(any(fmt.Sprintf("r%d", *n))))
		}
	case reflect.Func:
	default:
		panic("fill: " + v.Kind().String())
	}
}

// sameFields reports the first field of from that to lacks or holds differently.
func sameFields(path string, from, to reflect.Value) error {
	switch from.Kind() {
	case reflect.Struct:
		if from.Type() == reflect.TypeFor[time.Time]() {
			if !from.Interface().(time.Time).Equal(to.Interface().(time.Time)) {
				return fmt.Errorf("%s: %v, want %v", path, to, from)
			}
			return nil
		}
		for i := range from.NumField() {
			f := from.Type().Field(i)
			if !f.IsExported() || f.Type.Kind() == reflect.Func {
				continue
			}
			g := to.FieldByName(f.Name)
			if !g.IsValid() {
				return fmt.Errorf("%s.%s: missing from %s", path, f.Name, to.Type())
			}
			if err := sameFields(path+"."+f.Name, from.Field(i), g); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if from.Len() != to.Len() {
			return fmt.Errorf("%s: %d items, want %d", path, to.Len(), from.Len())
		}
		for i := range from.Len() {
			if err := sameFields(fmt.Sprintf("%s[%d]", path, i), from.Index(i), to.Index(i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.String:
		if from.String() != to.String() {
			return fmt.Errorf("%s: %q, want %q", path, to.String(), from.String())
		}
		return nil
	}
	if !reflect.DeepEqual(from.Interface(), to.Interface()) {
		return fmt.Errorf("%s: %v, want %v", path, to.Interface(), from.Interface())
	}
	return nil
}

func TestFaceMirrorsTheRuntime(t *testing.T) {
	n := 0
	var (
		stats  actors.StatsSnapshot
		report actors.RunReport
		step   actors.StepEvent
		event  actors.Event
	)
	for _, v := range []any{&stats, &report, &step, &event} {
		fill(reflect.ValueOf(v).Elem(), &n)
	}
	tests := []struct {
		name     string
		from, to any
	}{
		{"ServerStats", stats, serverStatsOf(stats)},
		{"RunReport", report, *reportOf(&report)},
		{"StepEvent", step, stepEventOf(step)},
		{"Event", event, eventOf(event)},
		{"Event back", eventOf(event).actors(), event},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := sameFields(tt.name, reflect.ValueOf(tt.from), reflect.ValueOf(tt.to)); err != nil {
				t.Error(err)
			}
		})
	}
	if got, want := eventOf(event).String(), event.String(); got != want {
		t.Errorf("Event.String = %q, want %q", got, want)
	}
	if got, want := stepEventOf(step).String(), step.String(); got != want {
		t.Errorf("StepEvent.String = %q, want %q", got, want)
	}
}

// TestCallErrorOf: the executor's CallError says what the runtime's said, in the same words,
// and matches the same sentinels.
func TestCallErrorOf(t *testing.T) {
	ops := []actors.Op{0, actors.OpCallTool, actors.OpReadResource, actors.OpGetPrompt, actors.OpListTools,
		actors.OpListResources, actors.OpListResourceTemplates, actors.OpListPrompts, actors.OpServerInfo}
	failures := []*actors.Failure{
		{Class: actors.ClassNotSent, Reason: actors.ReasonSessionLost, Message: "gone"},
		{Class: actors.ClassMaybeRan, Reason: actors.ReasonSessionLost, Message: "died"},
		{Class: actors.ClassTimeout, Reason: actors.ReasonCallTimeout, Message: "slow"},
		{Class: actors.ClassRefused, Reason: actors.ReasonPoolExhausted, Message: "full"},
		{Class: actors.ClassRefused, Reason: actors.ReasonClosed, Message: "closed"},
		{Class: actors.ClassProtocol, Reason: actors.ReasonServerError, Code: -32601, Message: "no such method"},
	}
	sentinels := []error{ErrUnknownServer, ErrPoolExhausted, ErrCircuitOpen, ErrSessionLost, ErrNotSent, ErrMaybeRan,
		ErrClosed, ErrToolDisabled, context.DeadlineExceeded, context.Canceled}
	for _, op := range ops {
		for _, f := range failures {
			for _, name := range []string{"", "echo"} {
				ace := &actors.CallError{Server: "demo", Op: op, Tool: name, Class: f.Class, Err: f}
				err := callErrorOf(ace)
				var ce *CallError
				if !errors.As(fmt.Errorf("step %q: %w", "s", err), &ce) {
					t.Fatalf("%v: errors.As finds no *CallError", err)
				}
				if ce.Server != "demo" || ce.Tool != name || string(ce.Class) != string(f.Class) || ce.Err != f {
					t.Errorf("%+v from %+v", ce, ace)
				}
				if (op == 0) != (ce.Op == "") || op != 0 && string(ce.Op) != op.String() {
					t.Errorf("op %v became %q", op, ce.Op)
				}
				if err.Error() != ace.Error() {
					t.Errorf("message %q, want %q", err, ace)
				}
				for _, s := range sentinels {
					if errors.Is(err, s) != errors.Is(ace, s) {
						t.Errorf("%v: errors.Is(%v) = %v, the runtime's error says %v", err, s, errors.Is(err, s), errors.Is(ace, s))
					}
				}
				var wire *jsonrpc.Error
				if errors.As(err, &wire) != (f.Class == actors.ClassProtocol) {
					t.Errorf("%v: errors.As(*jsonrpc.Error) = %v", err, wire)
				}
			}
		}
	}
}
