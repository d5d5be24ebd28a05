package capability

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// MergeTOML returns a new project: p with the [servers.NAME] tables of a TOML document (a
// workflow file) merged in. The receiver is not changed.
//
// Only the top-level servers table of data is read; its other keys belong to the caller.
// The server tables take the same keys, and give the same errors, as in spine.toml, with
// file and its lines. A table naming a new server adds it after p's, with p's [defaults]. A
// relative cwd resolves against file's directory, and file is added to Files.
//
// A table naming a server of p may only tune how SPINE uses it: the Policy keys (and their
// Codex spellings), tool_timeouts, enabled_tools, disabled_tools and enabled, each set over
// the project's value. It may not change what the server is or how it is reached: command,
// args, env, cwd, url, headers, transport, or any other key that is not a tuning knob. A
// workflow file can come from anywhere, and one that changed them could run another program
// with the project's env, or send the project's headers to another URL. Such a table is
// refused with a *ConfigError naming the key:
//
//	flow.toml:12: servers.demo.command: a workflow may not change the command of server "demo" configured in spine.toml; give the server another name to add a new one
//
// A key that gives the value the server already has (after ${VAR} expansion, and for cwd
// after resolving it against file's directory) changes nothing and is accepted, so that a
// workflow that brings its own server definition also runs in a project that configures the
// same server. When a table is refused, MergeTOML reports only the refusals.
func (p *Project) MergeTOML(file string, data []byte) (*Project, error) {
	doc, err := decodeTOML(file, data)
	if err != nil {
		return nil, err
	}
	out := p.clone()
	if _, ok := doc.vals["servers"]; !ok {
		return out, nil
	}
	errs := &problems{}
	merged := doc.servers(doc.root(errs), func(name string) ServerSpec {
		if s, ok := out.Server(name); ok {
			base := *s
			base.Policy = s.Policy.clone()
			return base
		}
		return newServer(name, out.Defaults)
	})
	if err := out.refuseChanges(doc, merged); err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	for _, s := range merged {
		if old, ok := out.Server(s.Name); ok {
			*old = s
		} else {
			out.Servers = append(out.Servers, s)
		}
	}
	out.Files = append(out.Files, file)
	return out, nil
}

// workflowTunable reports whether a workflow may set key on a server the project configures:
// the knobs of how SPINE uses a server, as opposed to what the server is and where it is.
func workflowTunable(key string) bool {
	switch key {
	case "enabled", "enabled_tools", "disabled_tools", "tool_timeouts":
		return true
	}
	_, codex := codexAliases[key]
	return codex || slices.Contains(policyNames(), key)
}

// refuseChanges returns the refusals of the tables of doc that change, in merged, a key of a
// server of p that a workflow may not change (see MergeTOML), or nil.
func (p *Project) refuseChanges(doc *tomlDoc, merged []ServerSpec) error {
	tables, _ := doc.vals["servers"].(map[string]any)
	refused := &problems{}
	for _, s := range merged {
		old, ok := p.Server(s.Name)
		if !ok {
			continue
		}
		m, _ := tables[s.Name].(map[string]any)
		t := &table{file: doc.file, dir: doc.dir, path: []string{"servers", s.Name}, vals: m, lines: doc.ix.Line, errs: refused}
		where := "the project"
		if f, _ := splitSource(old.Source); f != "" {
			where = f
		}
		known := tomlServerKeys()
		for _, key := range slices.Sorted(maps.Keys(m)) {
			// An unknown key is reported as such, once nothing is refused.
			if slices.Contains(known, key) && !workflowTunable(key) && changes(key, *old, s) {
				t.fail(fmt.Sprintf("a workflow may not change the %s of server %q configured in %s; "+
					"give the server another name to add a new one", key, s.Name, where), key)
			}
		}
	}
	return refused.err()
}

// changes reports whether key of a server table made to differs from was. Lists and maps
// compare by content, an empty one equal to none.
func changes(key string, was, to ServerSpec) bool {
	switch key {
	case "command":
		return was.Command != to.Command
	case "args":
		return !slices.Equal(was.Args, to.Args)
	case "env":
		return !maps.Equal(was.Env, to.Env)
	case "cwd":
		return was.Cwd != to.Cwd
	case "url":
		return was.URL != to.URL
	case "headers":
		return !maps.Equal(was.Headers, to.Headers)
	case "transport":
		return was.Transport != to.Transport
	}
	// A server key added since: a change to any field that neither the keys above nor the
	// tuning knobs set is its doing.
	return !reflect.DeepEqual(identity(was), identity(to))
}

// identity is s without what a workflow may tune, nor what the keys changes knows by name
// set: what is left of what the server is and how it is reached.
func identity(s ServerSpec) ServerSpec {
	s.Enabled, s.EnabledTools, s.DisabledTools, s.ToolTimeouts = false, nil, nil, nil
	s.Policy, s.Source = Policy{}, ""
	s.Command, s.Args, s.Env, s.Cwd, s.URL, s.Headers, s.Transport = "", nil, nil, "", "", nil, ""
	return s
}
