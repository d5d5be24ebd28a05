package capability

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The config files Load looks up in a project directory.
const (
	// ConfigFile is SPINE's own config (README, "Configuration").
	ConfigFile = "spine.toml"
	// MCPJSONFile is the mcpServers file of Claude Code, Claude Desktop and Cursor.
	MCPJSONFile = ".mcp.json"
)

// Load reads the project in dir: dir/spine.toml and dir/.mcp.json, each if present. With
// neither, the project has no servers. On a server name in both, spine.toml wins; servers only
// .mcp.json names come after spine.toml's, in that file's order.
//
// Problems are returned as a *ConfigError, or several joined with errors.Join.
func Load(dir string) (*Project, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, readError(dir, err)
	} else if !fi.IsDir() {
		return nil, &ConfigError{File: dir, Msg: "not a directory"}
	}
	return load(filepath.Join(dir, ConfigFile), false)
}

// LoadFile reads the config file path, which must exist, and the .mcp.json beside it if
// present. A path ending in .json is read as a .mcp.json file on its own.
func LoadFile(path string) (*Project, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, readError(path, err)
		}
		return ParseMCPJSON(path, data)
	}
	return load(path, true)
}

// load reads configFile (skipped when missing, unless mustExist) and the .mcp.json beside
// it. It reads both even when the first has problems, so that all are reported at once.
func load(configFile string, mustExist bool) (*Project, error) {
	dir := filepath.Dir(configFile)
	errs := &problems{}
	var p *Project
	data, err := os.ReadFile(configFile)
	switch {
	case err == nil:
		p, err = Parse(configFile, data)
		errs.addErr(err)
	case mustExist || !errors.Is(err, fs.ErrNotExist):
		errs.add(readError(configFile, err))
	}
	if p == nil {
		p = newProject(absDir(dir))
	}

	mcpFile := filepath.Join(dir, MCPJSONFile)
	data, err = os.ReadFile(mcpFile)
	switch {
	case err == nil:
		servers, err := parseMCPServers(mcpFile, data, p.Defaults)
		errs.addErr(err)
		p.Files = append(p.Files, mcpFile)
		for _, s := range servers {
			if _, taken := p.Server(s.Name); !taken {
				p.Servers = append(p.Servers, s)
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		errs.add(readError(mcpFile, err))
	}

	if err := errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// newProject returns a project in dir with no servers and every default filled in: this is
// the one place the defaults of [log], [defaults] and [describe] are set.
func newProject(dir string) *Project {
	return &Project{
		Dir:      dir,
		Log:      LogConfig{Level: "info", Format: "auto"},
		Defaults: DefaultPolicy(),
		Describe: DescribeConfig{BuilderServer: "spine-describe", BuilderTool: "describe"},
	}
}

// clone returns a copy of p whose slices can be changed without changing p. A nil p gives
// an empty project.
func (p *Project) clone() *Project {
	if p == nil {
		return newProject("")
	}
	c := *p
	c.Files = slices.Clone(p.Files)
	c.Servers = slices.Clone(p.Servers)
	c.Defaults = p.Defaults.clone()
	return &c
}
