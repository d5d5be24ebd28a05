package executor

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/workflows"
)

// workflowDirs are the subdirectories of a project directory whose *.toml files are read
// as workflow files for self-description.
var workflowDirs = []string{"examples", "workflows"}

// LoadWorkflowFiles parses the *.toml files directly in dir/examples and dir/workflows (not
// in their subdirectories), in path order. Each
// Workflow's File is its path relative to dir ("workflows/triage.toml"), as a user in dir
// would pass it to `spine run`. Files that are not workflows (they fail to parse) are left
// out and returned in skipped, keyed by the same relative path.
func LoadWorkflowFiles(dir string) (found []*workflows.Workflow, skipped map[string]error) {
	skipped = map[string]error{}
	for _, sub := range workflowDirs {
		paths, err := filepath.Glob(filepath.Join(dir, sub, "*.toml"))
		if err != nil {
			continue // only a malformed pattern fails, and this one is fixed
		}
		slices.Sort(paths)
		for _, path := range paths {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				rel = path
			}
			rel = filepath.ToSlash(rel)
			data, err := os.ReadFile(path)
			if err != nil {
				skipped[rel] = err
				continue
			}
			w, err := workflows.Parse(rel, data)
			if err != nil {
				skipped[rel] = err
				continue
			}
			found = append(found, w)
		}
	}
	return found, skipped
}

// WorkflowsUsing turns the workflows that have a step on server into the L2 input of its
// self-description, steps in file order; steps on other servers keep their server's name.
func WorkflowsUsing(server string, flows []*workflows.Workflow) []describe.Workflow {
	var out []describe.Workflow
	for _, w := range flows {
		if w == nil || !slices.ContainsFunc(w.Steps, func(s workflows.Step) bool { return s.Server == server }) {
			continue
		}
		dw := describe.Workflow{Name: w.Name, Description: w.Description, File: w.File, Steps: []describe.WorkflowStep{}}
		for _, s := range w.Steps {
			step := describe.WorkflowStep{ID: s.ID, Kind: string(s.Kind), Target: s.Target}
			if s.Server != server {
				step.Server = s.Server
			}
			dw.Steps = append(dw.Steps, step)
		}
		out = append(out, dw)
	}
	return out
}
