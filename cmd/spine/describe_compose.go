package main

import (
	"fmt"

	"github.com/spine-mcp/spine/describe"
)

// check reports flags of `spine describe` that can't go together.
func (f describeFlags) check() error {
	switch {
	case f.compose && f.scaffold != "":
		return badUsage("--compose and --scaffold can't go together")
	case f.compose && f.out != "":
		return badUsage("--compose prints one text; it can't go with --out")
	case f.scaffold != "" && f.out != "":
		return badUsage("--scaffold writes its own module; it can't go with --out")
	case f.force && f.scaffold == "":
		return badUsage("--force is for --scaffold DIR")
	}
	return nil
}

// printComposition prints the composed L0 of the servers that were described, in the order
// Compose gives them: the markdown, or with --output json the describe.Composition.
func printComposition(e *env, output string, servers []string, results map[string]describe.Result) error {
	described := make([]describe.Result, 0, len(results))
	for _, name := range servers {
		if r, ok := results[name]; ok {
			described = append(described, r)
		}
	}
	c, err := describe.Compose(described, describe.ComposeOptions{})
	if err != nil {
		return err
	}
	if output == "json" {
		return writeJSON(e.stdout, c)
	}
	fmt.Fprint(e.stdout, c.Instructions)
	return nil
}
