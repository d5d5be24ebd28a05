package ops

import "sync"

// otherLabel is the label value every name outside a bounded set folds into: a tool the
// server did not list, a server that is not configured, a workflow past maxWorkflowLabels.
// The underscore keeps it apart from a tool that is really called "other".
const otherLabel = "_other"

// maxWorkflowLabels bounds the workflow label: workflow names come from files or from an
// embedding program, and a program that names runs after their input must not grow the
// series without end.
const maxWorkflowLabels = 100

// toolNames is what bounds the tool label: per server, the tools of its last list. A name
// outside it — a typo, a probe, a tool filtered out — folds into otherLabel, so that a client
// cannot create series by calling names that do not exist.
type toolNames struct {
	mu    sync.RWMutex
	lists map[string]map[string]bool // server → tool → listed
}

// set replaces server's list.
func (t *toolNames) set(server string, tools []string) {
	list := make(map[string]bool, len(tools))
	for _, name := range tools {
		list[name] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lists == nil {
		t.lists = map[string]map[string]bool{}
	}
	t.lists[server] = list
}

// label returns the label of tool on server, and whether server's list is known at all.
func (t *toolNames) label(server, tool string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	list, known := t.lists[server]
	if list[tool] {
		return tool, known
	}
	return otherLabel, known
}

// boundedNames lets at most max distinct names through; later ones fold into otherLabel.
type boundedNames struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func (b *boundedNames) label(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[name] {
		return name
	}
	if len(b.seen) >= b.max {
		return otherLabel
	}
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	b.seen[name] = true
	return name
}
