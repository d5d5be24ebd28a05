package capability

// MergeTOML returns a new project: p with the [servers.NAME] tables of a TOML document (a
// workflow file) merged in. The receiver is not changed.
//
// Only the top-level servers table of data is read; its other keys belong to the caller.
// The server tables take the same keys, and give the same errors, as in spine.toml, with
// file and its lines. A table naming a server of p sets just the keys it gives over that
// server: a workflow giving only args keeps the project's command, env and policy. A table
// naming a new server adds it after p's, with p's [defaults]. A relative cwd resolves against
// file's directory, and file is added to Files.
//
// A server reached by command that the table gives a url (or the reverse) has both, which is
// an error: set the other one to "" to switch.
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
