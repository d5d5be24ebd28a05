package workflows

import (
	"container/heap"
	"fmt"
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
			r, err := w.templates.add(f.src, f.text)
			if err != nil {
				return p.errorAt(at, s.ID, f.key, "template: %s", templateMessage(err))
			}
			if msg := checkData(w, r, f.item); msg != "" {
				return p.errorAt(at, s.ID, f.key, "%s", msg)
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
		s.templates = w.templates
	}
	return nil
}

// checkData returns what is wrong with a template's references to inputs, .item and .index,
// or "". item says whether the template is rendered per item of a for_each.
func checkData(w *Workflow, r refs, item bool) string {
	if r.item && !item {
		return "template reads .item or .index, which only the tool, resource, prompt and args of a for_each step see"
	}
	for _, name := range r.inputs {
		if _, ok := w.Input(name); !ok {
			hint := didYouMean(name, inputNames(w))
			if hint == "" {
				hint = " (declare it in [inputs])"
			}
			return fmt.Sprintf("template references unknown input %q%s", name, hint)
		}
	}
	return ""
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
//
// It is a depth-first search that keeps its path in a slice rather than on the call stack, so
// that a chain of any length costs no deep recursion: it visits each step and follows each
// dependency once, in time linear in steps plus dependencies.
func findCycle(steps []Step) []string {
	index := indexOf(steps)
	const (
		unseen = iota
		onPath
		finished
	)
	state := make([]uint8, len(steps))
	type frame struct{ step, next int } // a step on the path, and the index of its next dep to follow
	var path []frame
	var cycle []int
	for root := range steps {
		if state[root] != unseen {
			continue
		}
		state[root] = onPath
		path = append(path[:0], frame{root, 0})
		for len(path) > 0 && cycle == nil {
			top := &path[len(path)-1]
			deps := steps[top.step].Deps
			if top.next == len(deps) {
				state[top.step] = finished
				path = path[:len(path)-1]
				continue
			}
			j, ok := index[deps[top.next]]
			top.next++
			switch {
			case !ok:
			case state[j] == onPath:
				k := len(path) - 1
				for path[k].step != j {
					k--
				}
				for _, f := range path[k:] {
					cycle = append(cycle, f.step)
				}
			case state[j] == unseen:
				state[j] = onPath
				path = append(path, frame{j, 0})
			}
		}
		if cycle != nil {
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
	s := w.Schedule()
	order := make([]string, 0, len(w.Steps))
	for s.ready.Len() > 0 {
		i := heap.Pop(&s.ready).(int)
		order = append(order, w.Steps[i].ID)
		s.done(i)
	}
	return order
}

// Schedule follows one run of a workflow: it hands out each step once all its Deps are done.
// It answers the question Ready answers, but as the run goes: Ready looks at every step each
// time it is asked, a Schedule only at the steps that wait for the one just done, so that the
// planning of a long run does not grow with the square of its length. It is not safe for
// concurrent use.
type Schedule struct {
	w          *Workflow
	index      map[string]int // step id to index in w.Steps
	waiting    []int          // per step: Deps not done yet; -1 when one is not a step of w
	dependents [][]int        // per step: the steps whose Deps name it
	finished   []bool         // per step: done
	ready      minHeap        // steps whose Deps are all done, not handed out yet
}

// Schedule returns a Schedule of a run of w in which no step is done yet: the steps without
// Deps are ready. As for Order, steps on a cycle or waiting for an unknown step (only on a
// workflow built by hand) never become ready.
func (w *Workflow) Schedule() *Schedule {
	s := &Schedule{
		w:          w,
		index:      indexOf(w.Steps),
		waiting:    make([]int, len(w.Steps)),
		dependents: make([][]int, len(w.Steps)),
		finished:   make([]bool, len(w.Steps)),
	}
	for i, st := range w.Steps {
		for _, d := range st.Deps {
			j, ok := s.index[d]
			if !ok {
				s.waiting[i] = -1 // never ready
				break
			}
			s.dependents[j] = append(s.dependents[j], i)
		}
		if s.waiting[i] == 0 {
			s.waiting[i] = len(st.Deps)
		}
		if s.waiting[i] == 0 {
			heap.Push(&s.ready, i)
		}
	}
	return s
}

// Done records that step id is done, which makes ready the steps it was the last dependency
// of. As with Ready, the caller decides what done means for a failed step. Recording a step
// again, or an id that is not a step, changes nothing.
func (s *Schedule) Done(id string) {
	if i, ok := s.index[id]; ok {
		s.done(i)
	}
}

func (s *Schedule) done(i int) {
	if s.finished[i] {
		return
	}
	s.finished[i] = true
	for _, j := range s.dependents[i] {
		if s.waiting[j] > 0 {
			s.waiting[j]--
			if s.waiting[j] == 0 {
				heap.Push(&s.ready, j)
			}
		}
	}
}

// Next returns the steps that became ready since it was last called (or since Schedule, the
// first time), in file order: each step is handed out once, for the caller to start. When
// only steps handed out are recorded done, Next returns what Ready would, with done the steps
// recorded with Done and started the steps handed out before. The returned pointers point
// into the workflow's Steps.
func (s *Schedule) Next() []*Step {
	if s.ready.Len() == 0 {
		return nil
	}
	out := make([]*Step, 0, s.ready.Len())
	for s.ready.Len() > 0 {
		out = append(out, &s.w.Steps[heap.Pop(&s.ready).(int)])
	}
	return out
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
