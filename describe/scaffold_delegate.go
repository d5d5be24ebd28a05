package describe

import (
	"context"
	"encoding/json"
	"fmt"
)

// DelegateScaffold asks a builder (tool of server) for r's scaffold: it
// calls the tool with {"config": r.Source, "scaffold": opts} and expects
// the builder's Result with a "scaffold" of files. The answer is checked as
// standalone output is (see checkScaffold): the layers complete, within
// their budgets and escaped; the module's files the ones NewScaffold
// writes, its data files (go.mod, go.sum, description/) exactly what
// NewScaffold writes for the builder's layers, its Go code parsed and
// importing only the standard library and the SDK, its README escaped.
//
// Whatever goes wrong with the builder, DelegateScaffold returns
// NewScaffold(r, opts) with FallbackReason saying why, and a nil error; it
// returns an error only when r and opts can't make a scaffold at all.
func DelegateScaffold(ctx context.Context, caller ToolCaller, server, tool string, r Result, opts ScaffoldOptions) (Scaffold, error) {
	standalone, err := NewScaffold(r, opts)
	if err != nil {
		return Scaffold{}, err
	}
	s, reason := delegateScaffold(ctx, caller, server, tool, r.Source, opts)
	if reason != "" {
		standalone.FallbackReason = reason
		return standalone, nil
	}
	return s, nil
}

func delegateScaffold(ctx context.Context, caller ToolCaller, server, tool string, cfg Config, opts ScaffoldOptions) (Scaffold, string) {
	switch {
	case caller == nil:
		return Scaffold{}, "no builder: delegated mode needs a tool caller"
	case server == "" || tool == "":
		return Scaffold{}, "no builder: the builder server and tool must be named"
	case cfg.Server == "":
		return Scaffold{}, "no config to send the builder: the description was not generated here"
	}
	builder := fmt.Sprintf("builder %q tool %q", server, tool)
	args, err := configArgs(cfg)
	if err == nil {
		args["scaffold"], err = plainJSON(opts)
	}
	if err != nil {
		return Scaffold{}, builder + ": can't encode the arguments: " + err.Error()
	}
	var answer builderAnswer
	if reason := callBuilder(ctx, caller, server, tool, args, &answer); reason != "" {
		return Scaffold{}, builder + ": " + reason
	}
	if answer.Scaffold == nil {
		return Scaffold{}, builder + ": invalid answer: no scaffold"
	}
	answer.Result.Source = cfg
	s, err := checkScaffold(answer.Result, *answer.Scaffold, opts)
	if err != nil {
		return Scaffold{}, builder + ": invalid answer: " + err.Error()
	}
	s.Generator = cmpOrStr(s.Generator, server+"/"+tool)
	return s, ""
}

// plainJSON makes v plain data (maps, slices, strings, numbers).
func plainJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var plain any
	err = json.Unmarshal(data, &plain)
	return plain, err
}
