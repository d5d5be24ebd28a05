package capability

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/spine-mcp/spine/internal/tomlpos"
)

// topKeys are the top-level tables of spine.toml.
var topKeys = []string{"log", "defaults", "servers", "describe", "serve", "cluster"}

// Parse reads a spine.toml document. file names the document in messages, and relative
// paths (cwd) resolve against its directory; nothing is read from disk. Parse does not read
// the .mcp.json beside file: Load and LoadFile do.
func Parse(file string, data []byte) (*Project, error) {
	doc, err := decodeTOML(file, data)
	if err != nil {
		return nil, err
	}
	p := newProject(doc.dir)
	p.Files = []string{file}
	errs := &problems{}
	root := doc.root(errs)
	root.checkKeys(topKeys, nil)
	if t, ok := root.subTable("log"); ok {
		parseLog(t, &p.Log)
	}
	if t, ok := root.subTable("defaults"); ok {
		t.checkKeys(policyNames(), nil)
		applyPolicy(t, &p.Defaults)
		t.report(p.Defaults.problems())
	}
	if t, ok := root.subTable("describe"); ok {
		parseDescribe(t, &p.Describe)
	}
	if t, ok := root.subTable("serve"); ok {
		parseServe(t, &p.Serve)
	}
	if t, ok := root.subTable("cluster"); ok {
		parseCluster(t, &p.Cluster)
	}
	p.Servers = doc.servers(root, func(name string) ServerSpec { return newServer(name, p.Defaults) })
	if err := errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// tomlDoc is a decoded TOML document with what messages need: its file, and where its keys are.
type tomlDoc struct {
	file string
	dir  string // absolute directory of file
	vals map[string]any
	keys []toml.Key // in document order
	ix   *tomlpos.Index
}

// decodeTOML decodes data; a syntax error becomes a *ConfigError with its line.
func decodeTOML(file string, data []byte) (doc *tomlDoc, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, &ConfigError{File: file, Msg: "malformed TOML"}
		}
	}()
	var vals map[string]any
	md, err := toml.Decode(string(data), &vals)
	if err != nil {
		return nil, tomlError(file, data, err)
	}
	return &tomlDoc{file: file, dir: dirOf(file), vals: vals, keys: md.Keys(), ix: tomlpos.NewIndex(data)}, nil
}

// quoted matches the quoted fragments of a parser message, which may echo a value.
var quoted = regexp.MustCompile(`"[^"\n]*"|'[^'\n]*'`)

// tomlError turns a decode error into a *ConfigError. Quoted fragments of the parser's
// message are dropped unless they name the key or a punctuation mark, since they may quote
// a secret value. The parser says line 0 for some errors on the first line (a carriage
// return inside a string): the line is then counted from the error's byte offset.
func tomlError(file string, data []byte, err error) *ConfigError {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &ConfigError{File: file, Msg: "malformed TOML", Err: err}
	}
	last := pe.LastKey[strings.LastIndex(pe.LastKey, ".")+1:]
	msg := quoted.ReplaceAllStringFunc(pe.Message, func(q string) string {
		inner := q[1 : len(q)-1]
		if inner != "" && (inner == last || inner == pe.LastKey) || len(inner) == 1 && strings.ContainsAny(inner, ",]}=.[{") {
			return q
		}
		return "…"
	})
	line := pe.Position.Line
	if start := pe.Position.Start; line < 1 && start >= 0 && start <= len(data) {
		line = bytes.Count(data[:start], []byte("\n")) + 1
	}
	return &ConfigError{File: file, Line: line, Key: pe.LastKey, Msg: "malformed TOML: " + msg, Err: err}
}

// root returns the document's top-level table, reporting to errs.
func (d *tomlDoc) root(errs *problems) *table {
	return &table{
		file:  d.file,
		dir:   d.dir,
		vals:  d.vals,
		lines: d.ix.Line,
		env:   os.LookupEnv,
		errs:  errs,
	}
}

// servers reads the [servers.NAME] tables in document order, each over base(NAME).
func (d *tomlDoc) servers(root *table, base func(name string) ServerSpec) []ServerSpec {
	st, ok := root.subTable("servers")
	if !ok {
		return nil
	}
	var out []ServerSpec
	for _, name := range d.serverNames(st.vals) {
		m, ok := st.vals[name].(map[string]any)
		if !ok {
			st.wrongType(name, "a table", st.vals[name])
			continue
		}
		t := st.sub(name, m)
		s := base(name)
		s.Source = fmt.Sprintf("%s:%d", d.file, t.line())
		applyTOMLServer(t, &s)
		out = append(out, s)
	}
	return out
}

// serverNames returns the names of the servers table in the order they first appear.
func (d *tomlDoc) serverNames(servers map[string]any) []string {
	var names []string
	for _, k := range d.keys {
		if len(k) >= 2 && k[0] == "servers" && !slices.Contains(names, k[1]) {
			names = append(names, k[1])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(servers)) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return slices.DeleteFunc(names, func(n string) bool { _, ok := servers[n]; return !ok })
}

// Log levels and formats of the [log] table.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"auto", "console", "json"}
)

func parseLog(t *table, c *LogConfig) {
	t.checkKeys([]string{"level", "format"}, nil)
	if v, ok := t.str("level", false); ok {
		if msg := checkOneOf("log level", v, logLevels); msg != "" {
			t.fail(msg, "level")
		} else if v != "" {
			c.Level = v
		}
	}
	if v, ok := t.str("format", false); ok {
		if msg := checkOneOf("log format", v, logFormats); msg != "" {
			t.fail(msg, "format")
		} else if v != "" {
			c.Format = v
		}
	}
}

// checkOneOf says what is wrong with v, which must be empty (the default) or one of valid.
func checkOneOf(what, v string, valid []string) string {
	if v == "" || slices.Contains(valid, v) {
		return ""
	}
	return fmt.Sprintf("unknown %s %q (want %s)", what, v, strings.Join(valid, ", "))
}

func parseDescribe(t *table, c *DescribeConfig) {
	t.checkKeys([]string{"builder_server", "builder_tool"}, nil)
	if v, ok := t.str("builder_server", false); ok {
		if msg := checkServerName(v); msg != "" {
			t.fail(msg, "builder_server")
		} else {
			c.BuilderServer = v
		}
	}
	if v, ok := t.str("builder_tool", false); ok {
		if v == "" {
			t.fail("must not be empty", "builder_tool")
		} else {
			c.BuilderTool = v
		}
	}
}

// dirOf returns the absolute directory of file, or its directory as given when the working
// directory is unknown.
func dirOf(file string) string {
	return absDir(filepath.Dir(file))
}

func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}
