package actors

import (
	"context"
	"strconv"
	"strings"
)

// progressKey carries a caller's progress callback on its context.
type progressKey struct{}

// WithProgressFunc returns a context whose tool calls ask the server for progress
// notifications and hand each one to f, on the calling goroutine, before the call returns.
// Notifications that arrive faster than f takes them are dropped (a later one supersedes
// them).
func WithProgressFunc(ctx context.Context, f func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

func progressFunc(ctx context.Context) func(Progress) {
	f, _ := ctx.Value(progressKey{}).(func(Progress))
	return f
}

// progressToken is the token a request's progress notifications carry: its request id,
// as a string so that it survives JSON unchanged.
func progressToken(id uint64) string { return "spine-" + strconv.FormatUint(id, 10) }

func progressID(token any) (uint64, bool) {
	s, ok := token.(string)
	if !ok || !strings.HasPrefix(s, "spine-") {
		return 0, false
	}
	id, err := strconv.ParseUint(s[len("spine-"):], 10, 64)
	return id, err == nil
}
