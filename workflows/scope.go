package workflows

// Scope is what templates see when a step or an output is rendered: the run's vars and the
// results of the steps that have finished.
//
// Record results with Set, which keeps the data templates are executed on up to date as steps
// finish; without it, every render builds that data again from every result. Once Set has been
// used, add results through it: the data is built again when Steps holds a step it lacks, but
// a result replaced or removed behind Set's back would go unseen.
type Scope struct {
	Vars   map[string]any
	Inputs map[string]any    // the input values, as Workflow.NewScope sets them
	Steps  map[string]Result // by step id

	steps map[string]any // Steps as templates see them (see stepData), kept by Set; nil before
}

// Set records the result of step id, in Steps and in the data templates see.
func (s *Scope) Set(id string, r Result) {
	if s.Steps == nil {
		s.Steps = map[string]Result{}
	}
	if s.steps == nil {
		s.steps = make(map[string]any, len(s.Steps)+1)
		for k, v := range s.Steps {
			s.steps[k] = v.stepData()
		}
	}
	s.Steps[id] = r
	s.steps[id] = r.stepData()
}

// data returns the value templates are executed on: nested maps, so that the lowercase names
// .vars.X, .steps.ID.text, .steps.ID.json and .steps.ID.is_error resolve. It only reads s, so
// that concurrent renders may share a Scope.
func (s Scope) data() map[string]any {
	steps := s.steps
	if steps == nil || len(steps) != len(s.Steps) { // Steps written directly
		steps = make(map[string]any, len(s.Steps))
		for id, r := range s.Steps {
			steps[id] = r.stepData()
		}
	}
	vars := s.Vars
	if vars == nil {
		vars = map[string]any{}
	}
	inputs := s.Inputs
	if inputs == nil {
		inputs = map[string]any{}
	}
	return map[string]any{"vars": vars, "inputs": inputs, "steps": steps}
}

// stepData is a result as templates see it: .text, .json, .is_error, .error, .skipped and
// .items (nil but for a for_each step).
func (r Result) stepData() map[string]any {
	var items []any
	if r.Items != nil {
		items = make([]any, len(r.Items))
		for i, it := range r.Items {
			items[i] = it.stepData()
		}
	}
	return map[string]any{"text": r.Text, "json": r.JSON, "is_error": r.IsError, "error": r.Error, "skipped": r.Skipped, "items": items}
}
