package tomlpos

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Index holds the line of every key path a TOML document defines, in document order.
type Index struct {
	entries []entry
	exact   map[string]int // joined path -> line of its first entry
	below   map[string]int // joined path -> line of the first entry below it
}

type entry struct {
	path []string
	line int
}

// Line returns the 1-based line on which the key path is defined in data, or 0 when data
// does not define it. See the package documentation for how paths are written.
func Line(data []byte, key ...string) int {
	return NewIndex(data).Line(key...)
}

// NewIndex scans data once and records where each key path is defined.
func NewIndex(data []byte) *Index {
	s := &scanner{data: data, arrays: map[string]int{}, ix: &Index{}}
	for i, c := range data {
		if c == '\n' {
			s.newlines = append(s.newlines, i)
		}
	}
	s.document()
	s.ix.exact = make(map[string]int, len(s.ix.entries))
	s.ix.below = make(map[string]int, len(s.ix.entries))
	for _, e := range s.ix.entries {
		if k := joinPath(e.path); s.ix.exact[k] == 0 {
			s.ix.exact[k] = e.line
		}
		for n := len(e.path) - 1; n > 0; n-- {
			k := joinPath(e.path[:n])
			if _, seen := s.ix.below[k]; seen {
				break // so are the shorter prefixes
			}
			s.ix.below[k] = e.line
		}
	}
	return s.ix
}

// joinPath is a key path as one map key: each key after its length, so that no two paths meet.
func joinPath(path []string) string {
	var b strings.Builder
	for _, k := range path {
		b.WriteString(strconv.Itoa(len(k)))
		b.WriteByte(':')
		b.WriteString(k)
	}
	return b.String()
}

// Line returns the 1-based line on which the key path is defined, or 0 when it is not.
//
// A path defined explicitly (a header, or a key with a value) gives its own line. A path
// defined only implicitly, as the parent of other keys ("servers" in [servers.demo]), gives
// the line of the first key below it.
func (ix *Index) Line(key ...string) int {
	if len(key) == 0 {
		return 0
	}
	k := joinPath(key)
	if l, ok := ix.exact[k]; ok {
		return l
	}
	return ix.below[k]
}

// scanner walks a TOML document; it recognises just enough of the grammar to tell keys from
// values and never fails.
type scanner struct {
	data     []byte
	pos      int
	newlines []int // byte offsets of '\n', for offset -> line
	ix       *Index
	table    []string       // the current table, as resolved by the last header
	arrays   map[string]int // number of tables so far in each array of tables, by resolved path
}

func (s *scanner) lineAt(off int) int {
	return sort.SearchInts(s.newlines, off) + 1
}

func (s *scanner) record(path []string, off int) {
	s.ix.entries = append(s.ix.entries, entry{path: slices.Clone(path), line: s.lineAt(off)})
}

func (s *scanner) peek(n int) byte {
	if s.pos+n < len(s.data) {
		return s.data[s.pos+n]
	}
	return 0
}

func (s *scanner) hasPrefix(p string) bool {
	return strings.HasPrefix(string(s.data[s.pos:min(len(s.data), s.pos+len(p))]), p)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t') {
		s.pos++
	}
}

// skipLine moves to the start of the next line.
func (s *scanner) skipLine() {
	for s.pos < len(s.data) && s.data[s.pos] != '\n' {
		s.pos++
	}
	if s.pos < len(s.data) {
		s.pos++
	}
}

// skipBlank skips spaces, newlines and comments, as allowed inside arrays and inline tables.
func (s *scanner) skipBlank() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		case '#':
			for s.pos < len(s.data) && s.data[s.pos] != '\n' {
				s.pos++
			}
		default:
			return
		}
	}
}

func (s *scanner) document() {
	if strings.HasPrefix(string(s.data[:min(3, len(s.data))]), "\uFEFF") {
		s.pos = 3 // a UTF-8 byte order mark, which TOML decoders skip too
	}
	for s.pos < len(s.data) {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return
		}
		switch s.data[s.pos] {
		case '\n', '\r':
			s.pos++
			continue
		case '#':
		case '[':
			s.header()
		default:
			s.keyValue(s.table)
		}
		s.skipLine()
	}
}

// header reads [a.b] or [[a.b]] and makes it the current table.
func (s *scanner) header() {
	start := s.pos
	array := s.peek(1) == '['
	s.pos++
	if array {
		s.pos++
	}
	key := s.key()
	if len(key) == 0 {
		return
	}
	var resolved []string
	for i, k := range key {
		resolved = append(resolved, k)
		id := strings.Join(resolved, "\x00")
		n, seen := s.arrays[id]
		switch {
		case array && i == len(key)-1:
			s.arrays[id] = n + 1
			resolved = append(resolved, strconv.Itoa(n))
		case seen && n > 0:
			// [a.b] below [[a]] belongs to the latest table of the array.
			resolved = append(resolved, strconv.Itoa(n-1))
		}
	}
	s.record(resolved, start)
	s.table = resolved
}

// keyValue reads key = value below the table base. It reports whether it read a key.
func (s *scanner) keyValue(base []string) bool {
	start := s.pos
	key := s.key()
	if len(key) == 0 {
		return false
	}
	s.skipSpace()
	if s.peek(0) != '=' {
		return true
	}
	s.pos++
	s.skipSpace()
	path := append(slices.Clone(base), key...)
	s.record(path, start)
	s.value(path)
	return true
}

// key reads a dotted key of bare, "basic" and 'literal' parts; nil when there is none.
func (s *scanner) key() []string {
	var parts []string
	for {
		s.skipSpace()
		part, ok := s.simpleKey()
		if !ok {
			return nil
		}
		parts = append(parts, part)
		s.skipSpace()
		if s.peek(0) != '.' {
			return parts
		}
		s.pos++
	}
}

func (s *scanner) simpleKey() (string, bool) {
	switch s.peek(0) {
	case '"':
		return s.basicString(), true
	case '\'':
		return s.literalString(), true
	}
	start := s.pos
	for s.pos < len(s.data) && isBareKeyByte(s.data[s.pos]) {
		s.pos++
	}
	return string(s.data[start:s.pos]), s.pos > start
}

func isBareKeyByte(c byte) bool {
	return c > ' ' && !strings.ContainsRune("=.[]#,{}\"'\x7f", rune(c))
}

// value skips one value; it records the elements of arrays and the keys of inline tables
// below path.
func (s *scanner) value(path []string) {
	switch {
	case s.hasPrefix(`"""`):
		s.multiLine(`"""`, true)
	case s.hasPrefix(`'''`):
		s.multiLine(`'''`, false)
	case s.peek(0) == '"':
		s.basicString()
	case s.peek(0) == '\'':
		s.literalString()
	case s.peek(0) == '[':
		s.array(path)
	case s.peek(0) == '{':
		s.inlineTable(path)
	default:
		for s.pos < len(s.data) && !strings.ContainsRune(",]}#\r\n", rune(s.data[s.pos])) {
			s.pos++
		}
	}
}

func (s *scanner) array(path []string) {
	s.pos++ // [
	for i := 0; ; {
		s.skipBlank()
		switch s.peek(0) {
		case 0:
			if s.pos >= len(s.data) {
				return
			}
		case ']':
			s.pos++
			return
		case ',':
			s.pos++
			continue
		case '}':
			s.pos++ // stray; keep going rather than loop
			continue
		}
		elem := append(slices.Clone(path), strconv.Itoa(i))
		s.record(elem, s.pos)
		before := s.pos
		s.value(elem)
		if s.pos == before {
			s.pos++
		}
		i++
	}
}

func (s *scanner) inlineTable(path []string) {
	s.pos++ // {
	for {
		s.skipBlank()
		switch s.peek(0) {
		case 0:
			if s.pos >= len(s.data) {
				return
			}
		case '}':
			s.pos++
			return
		case ',':
			s.pos++
			continue
		}
		before := s.pos
		if !s.keyValue(path) || s.pos == before {
			s.pos++
		}
	}
}

// multiLine skips a multi-line string, basic or literal (delim is three quotes of its kind).
// Up to two quotes right before the closing delimiter belong to the content.
func (s *scanner) multiLine(delim string, escapes bool) {
	s.pos += len(delim)
	for s.pos < len(s.data) {
		if escapes && s.data[s.pos] == '\\' {
			s.pos += 2
			continue
		}
		if s.hasPrefix(delim) {
			s.pos += len(delim)
			for extra := 0; extra < 2 && s.peek(0) == delim[0]; extra++ {
				s.pos++
			}
			return
		}
		s.pos++
	}
	s.pos = min(s.pos, len(s.data))
}

// literalString reads a 'single-line' literal string and returns its content.
func (s *scanner) literalString() string {
	s.pos++ // '
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] != '\'' && s.data[s.pos] != '\n' {
		s.pos++
	}
	out := string(s.data[start:s.pos])
	if s.peek(0) == '\'' {
		s.pos++
	}
	return out
}

// basicString reads a "single-line" basic string and returns its content, escapes decoded.
func (s *scanner) basicString() string {
	s.pos++ // "
	var b strings.Builder
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch c {
		case '"':
			s.pos++
			return b.String()
		case '\n':
			return b.String()
		case '\\':
			s.escape(&b)
		default:
			b.WriteByte(c)
			s.pos++
		}
	}
	return b.String()
}

var simpleEscapes = map[byte]byte{
	'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r', 'e': 0x1b, '"': '"', '\\': '\\',
}

// escape decodes the escape sequence at s.pos (a backslash) into b.
func (s *scanner) escape(b *strings.Builder) {
	c := s.peek(1)
	if r, ok := simpleEscapes[c]; ok {
		b.WriteByte(r)
		s.pos += 2
		return
	}
	digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if digits > 0 && s.pos+2+digits <= len(s.data) {
		hex := string(s.data[s.pos+2 : s.pos+2+digits])
		if r, err := strconv.ParseUint(hex, 16, 32); err == nil {
			b.WriteRune(rune(r))
			s.pos += 2 + digits
			return
		}
	}
	b.WriteByte('\\')
	s.pos++
}
