package capability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// mcpJSONServerKeys are the keys of a server entry in .mcp.json (Claude Code, Claude Desktop,
// Cursor), plus SPINE's env_vars and inherit_env, spelled as in spine.toml.
var mcpJSONServerKeys = []string{"command", "args", "env", "env_vars", "inherit_env", "cwd", "type", "url", "headers"}

// otherHostKeys are keys other MCP hosts write into the same .mcp.json server entries
// (Claude Code, Cline, Roo, Windsurf): they are not SPINE's to judge, so they are accepted
// and ignored — except "disabled", which SPINE honours. A near-miss of one of SPINE's own
// keys is still an error.
var otherHostKeys = []string{
	"oauth", "headersHelper", "disabled", "autoApprove", "alwaysAllow", "timeout",
	"description", "disabledTools", "transportType", "networkTimeout",
}

// mcpJSONHints suggest .mcp.json keys for the names spine.toml uses.
var mcpJSONHints = map[string]string{"transport": "type", "cmd": "command"}

// ParseMCPJSON reads a .mcp.json document ({"mcpServers": {NAME: {...}}}) into a Project whose
// servers have DefaultPolicy. Top-level keys other than mcpServers belong to other tools and
// are ignored. Nothing is read from disk.
func ParseMCPJSON(file string, data []byte) (*Project, error) {
	p := newProject(dirOf(file))
	p.Files = []string{file}
	servers, err := parseMCPServers(file, data, p.Defaults)
	if err != nil {
		return nil, err
	}
	p.Servers = servers
	return p, nil
}

// parseMCPServers reads the servers of a .mcp.json document, in file order, over defaults.
func parseMCPServers(file string, data []byte, defaults Policy) ([]ServerSpec, error) {
	doc, err := decodeJSON(data)
	if err != nil {
		var je *jsonError
		if errors.As(err, &je) {
			return nil, &ConfigError{File: file, Line: doc.lineAt(je.offset), Msg: "malformed JSON: " + je.msg}
		}
		return nil, &ConfigError{File: file, Msg: "malformed JSON", Err: err}
	}
	errs := &problems{}
	root := &table{
		file:  file,
		dir:   dirOf(file),
		vals:  doc.root,
		lines: doc.line,
		json:  true,
		env:   os.LookupEnv,
		errs:  errs,
	}
	st, ok := root.subTable("mcpServers")
	if !ok {
		return nil, errs.err()
	}
	var out []ServerSpec
	for _, name := range doc.order["mcpServers"] {
		m, ok := st.vals[name].(map[string]any)
		if !ok {
			st.wrongType(name, "a table", st.vals[name])
			continue
		}
		t := st.sub(name, m)
		s := newServer(name, defaults)
		s.Source = fmt.Sprintf("%s:%d", file, t.line())
		applyJSONServer(t, &s)
		out = append(out, s)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// applyJSONServer reads a .mcp.json server entry over s, and reports what is wrong.
func applyJSONServer(t *table, s *ServerSpec) {
	t.aliases = map[string]string{"transport": "type"}
	t.checkKeys(append(slices.Clone(mcpJSONServerKeys), otherHostKeys...), mcpJSONHints)
	applyServerKeys(t, s)
	if disabled, ok := t.boolean("disabled"); ok && disabled {
		s.Enabled = false
	}
	explicit := false
	if v, ok := t.str("type", false); ok {
		switch v {
		case "stdio":
			s.Transport, explicit = TransportStdio, true
		case "http", "streamable-http":
			s.Transport, explicit = TransportHTTP, true
		case "sse":
			s.Transport, explicit = TransportSSE, true
		default:
			t.fail(fmt.Sprintf("unknown type %q (want stdio, http, streamable-http or sse)", v), "type")
		}
	}
	finishServer(t, s, explicit)
}

// jsonDoc is a decoded JSON document with the lines of its keys and the order of objects' keys.
type jsonDoc struct {
	root     map[string]any
	lines    map[string]int      // key path (joined by NUL) -> line of the key
	order    map[string][]string // object key path (joined by NUL) -> its keys in file order
	newlines []int
}

// maxJSONDepth bounds nesting, so that hostile input cannot exhaust the stack.
const maxJSONDepth = 100

// jsonError is a syntax problem at a byte offset.
type jsonError struct {
	offset int64
	msg    string
}

func (e *jsonError) Error() string { return e.msg }

// decodeJSON decodes data, which must hold one JSON object. The returned jsonDoc is usable
// for lineAt even when err is not nil.
func decodeJSON(data []byte) (*jsonDoc, error) {
	d := &jsonDoc{lines: map[string]int{}, order: map[string][]string{}}
	for i, c := range data {
		if c == '\n' {
			d.newlines = append(d.newlines, i)
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return d, &jsonError{offset: 0, msg: "the file is empty; want a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := d.value(dec, nil, 0)
	if err != nil {
		return d, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return d, &jsonError{offset: dec.InputOffset(), msg: "unexpected data after the top-level object"}
	}
	root, ok := v.(map[string]any)
	if !ok {
		return d, &jsonError{offset: 0, msg: "want an object at the top level, got " + strings.Replace(typeName(v), "table", "object", 1)}
	}
	d.root = root
	return d, nil
}

// lineAt returns the 1-based line of byte offset off.
func (d *jsonDoc) lineAt(off int64) int {
	return sort.SearchInts(d.newlines, int(off)) + 1
}

// line returns the line of a key path, or 0.
func (d *jsonDoc) line(path ...string) int {
	return d.lines[strings.Join(path, "\x00")]
}

func (d *jsonDoc) token(dec *json.Decoder) (json.Token, error) {
	tok, err := dec.Token()
	if err == nil {
		return tok, nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, &jsonError{offset: se.Offset, msg: se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, &jsonError{offset: dec.InputOffset(), msg: "unexpected end of file"}
	}
	return nil, &jsonError{offset: dec.InputOffset(), msg: err.Error()}
}

// value reads the value at path: an object, an array, or a string, json.Number, bool or nil.
func (d *jsonDoc) value(dec *json.Decoder, path []string, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, &jsonError{offset: dec.InputOffset(), msg: "nested too deeply"}
	}
	tok, err := d.token(dec)
	if err != nil {
		return nil, err
	}
	id := strings.Join(path, "\x00")
	if _, ok := d.lines[id]; !ok && len(path) > 0 {
		d.lines[id] = d.lineAt(dec.InputOffset() - 1)
	}
	switch tok {
	case json.Delim('{'):
		return d.object(dec, path, depth)
	case json.Delim('['):
		var arr []any
		for dec.More() {
			v, err := d.value(dec, append(slices.Clip(path), strconv.Itoa(len(arr))), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := d.token(dec) // ]
		return arr, err
	}
	return tok, nil
}

func (d *jsonDoc) object(dec *json.Decoder, path []string, depth int) (any, error) {
	m := map[string]any{}
	id := strings.Join(path, "\x00")
	for dec.More() {
		tok, err := d.token(dec)
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if _, dup := m[key]; dup {
			return nil, &jsonError{offset: dec.InputOffset() - 1, msg: fmt.Sprintf("key %q appears twice", key)}
		}
		kp := append(slices.Clip(path), key)
		d.lines[strings.Join(kp, "\x00")] = d.lineAt(dec.InputOffset() - 1)
		d.order[id] = append(d.order[id], key)
		v, err := d.value(dec, kp, depth+1)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	_, err := d.token(dec) // }
	return m, err
}
