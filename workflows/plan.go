package workflows

import (
	"container/heap"
	"slices"
	"strconv"
	"strings"
)

// link checks every step's references to other steps (needs and templates) and fills Deps.
func (p *parser) link(w *Workflow) error {
	ids, index := stepIDs(w), indexOf(w.Steps)
	known := func(id string) bool { _, ok := index[id]; return ok }
	for i := range w.Steps {
		s := &w.Steps[i]
		var deps []string
		for k, n := range s.Needs {
			at := append(stepPath(i), "needs", strconv.Itoa(k))
			switch {
			case n == s.ID:
				return p.errorAt(at, s.ID, "needs", "a step cannot need itself")
			case !known(n):
				return p.errorAt(at, s.ID, "needs", "unknown step %q%s", n, didYouMean(n, ids))
			}
			deps = append(deps, n)
		}
		for _, f := range s.fields() {
			at := append(stepPath(i), f.path...)
			r, err := templateRefs(f.src)
			if err != nil {
				return p.errorAt(at, s.ID, f.key, "template: %s", templateMessage(err))
			}
			for _, id := range r.steps {
				switch {
				case id == s.ID:
					return p.errorAt(at, s.ID, f.key, "template references the step itself")
				case !known(id):
					return p.errorAt(at, s.ID, f.key, "template references unknown step %q%s", id, didYouMean(id, ids))
				}
				deps = append(deps, id)
			}
		}
		slices.Sort(deps)
		s.Deps = slices.Compact(deps)
	}
	return nil
}

// checkCycles rejects a dependency cycle, naming its steps from the first of them in file order.
func (p *parser) checkCycles(w *Workflow) error {
	cycle := findCycle(w.Steps)
	if cycle == nil {
		return nil
	}
	s, _ := w.Step(cycle[0])
	return &Error{File: p.file, Line: s.Line, Step: s.ID,
		Msg: "dependency cycle: " + strings.Join(cycle, " -> ") + " (each waits for the next, through needs or templates)"}
}

// findCycle returns the steps of a dependency cycle, the first repeated at the end and the
// earliest in file order first, or nil when there is none.
func findCycle(steps []Step) []string {
	index := indexOf(steps)
	const (
		unseen = iota
		onPath
		finished
	)
	state := make([]int, len(steps))
	var path []int
	var cycle []int
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onPath
		path = append(path, i)
		for _, d := range steps[i].Deps {
			j, ok := index[d]
			if !ok {
				continue
			}
			switch state[j] {
			case onPath:
				cycle = slices.Clone(path[slices.Index(path, j):])
				return true
			case unseen:
				if visit(j) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = finished
		return false
	}
	for i := range steps {
		if state[i] == unseen && visit(i) {
			break
		}
	}
	if cycle == nil {
		return nil
	}
	first := slices.Index(cycle, slices.Min(cycle))
	ids := make([]string, 0, len(cycle)+1)
	for k := range cycle {
		ids = append(ids, steps[cycle[(first+k)%len(cycle)]].ID)
	}
	return append(ids, ids[0])
}

func indexOf(steps []Step) map[string]int {
	index := make(map[string]int, len(steps))
	for i, s := range steps {
		if _, dup := index[s.ID]; !dup {
			index[s.ID] = i
		}
	}
	return index
}

// Order returns the step ids in an order that runs every step after its Deps: among the
// steps that are ready at each point, the earliest in the file comes first, so a file written
// in dependency order runs in file order. Parse guarantees there is no cycle; on a workflow
// built by hand, steps on a cycle or waiting for an unknown step are left out.
func (w *Workflow) Order() []string {
	index := indexOf(w.Steps)
	waiting := make([]int, len(w.Steps)) // deps not yet placed
	dependents := make([][]int, len(w.Steps))
	ready := &minHeap{}
	for i, s := range w.Steps {
		for _, d := range s.Deps {
			j, ok := index[d]
			if !ok {
				waiting[i] = -1 // never ready
				break
			}
			dependents[j] = append(dependents[j], i)
		}
		if waiting[i] == 0 {
			waiting[i] = len(s.Deps)
		}
		if waiting[i] == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]string, 0, len(w.Steps))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, w.Steps[i].ID)
		for _, j := range dependents[i] {
			if waiting[j] > 0 {
				waiting[j]--
				if waiting[j] == 0 {
					heap.Push(ready, j)
				}
			}
		}
	}
	return order
}

// Ready returns the steps that may start now, in file order: those not yet started nor done
// whose Deps are all done. The caller decides what done means for a failed step (with
// on_error = "continue" it may count as done, so that its dependents run and see is_error).
// The returned pointers point into w.Steps.
func (w *Workflow) Ready(done, started map[string]bool) []*Step {
	var out []*Step
	for i := range w.Steps {
		s := &w.Steps[i]
		if done[s.ID] || started[s.ID] {
			continue
		}
		if !slices.ContainsFunc(s.Deps, func(d string) bool { return !done[d] }) {
			out = append(out, s)
		}
	}
	return out
}

// minHeap is a heap of step indexes: the earliest ready step in file order comes out first.
type minHeap []int

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
