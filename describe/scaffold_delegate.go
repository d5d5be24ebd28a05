package describe

import "context"

// DelegateScaffold is NewScaffold through a builder; see scaffold_check.go.
func DelegateScaffold(ctx context.Context, caller ToolCaller, server, tool string, r Result, opts ScaffoldOptions) (Scaffold, error) {
	return NewScaffold(r, opts)
}
