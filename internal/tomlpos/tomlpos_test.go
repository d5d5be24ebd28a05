package tomlpos

import (
	"strings"
	"testing"
)

const doc = `# a comment with key = "value"
title = "x"           # line 2
"x.y" = 1             # line 3: one quoted key with a dot
'k' = 2               # line 4
a.b = 3               # line 5: dotted key
a . "c d" = 4         # line 6
text = """
fake = "not a key"
[not.a.header]
"""                   # line 10
lit = '''
also = 'no'
'''
list = [
  "one",              # line 15
  { name = "two" },   # line 16
  [ "nested" ],
]
tricky = """ends with quotes"""""
after = true          # line 20

[servers.demo]        # line 22
command = "spine"     # line 23
env = { A = "x", "B.C" = { D = 1 } }   # line 24
comand = 'typo'       # line 25

[ servers . "my server" ]   # line 27
url = "http://x"

[[steps]]             # line 30
id = "first"
[[steps]]             # line 32
id = "second"
[steps.args]          # line 34
text = "hi"           # line 35
[[steps]]             # line 36
tool = "echo"         # line 37
[[steps.sub]]         # line 38
n = 1
[[steps.sub]]         # line 40
n = 2                 # line 41
esc = "a\"b"          # line 42
"\u0041" = 5          # line 43
multi = { x = 1,
  y = 2 }             # line 45
`

func TestLine(t *testing.T) {
	tests := []struct {
		name string
		key  []string
		want int
	}{
		{"top-level key", []string{"title"}, 2},
		{"quoted key with a dot", []string{"x.y"}, 3},
		{"literal quoted key", []string{"k"}, 4},
		{"dotted key", []string{"a", "b"}, 5},
		{"implicit parent of a dotted key", []string{"a"}, 5},
		{"dotted key with spaces and quotes", []string{"a", "c d"}, 6},
		{"multi-line basic string", []string{"text"}, 7},
		{"content of a multi-line string", []string{"fake"}, 0},
		{"header inside a multi-line string", []string{"not", "a", "header"}, 0},
		{"multi-line literal string", []string{"lit"}, 11},
		{"content of a multi-line literal", []string{"also"}, 0},
		{"array", []string{"list"}, 14},
		{"array element", []string{"list", "0"}, 15},
		{"inline table in an array", []string{"list", "1", "name"}, 16},
		{"quotes before the closing delimiter", []string{"tricky"}, 19},
		{"key after a tricky string", []string{"after"}, 20},
		{"table header", []string{"servers", "demo"}, 22},
		{"implicit table", []string{"servers"}, 22},
		{"key in a table", []string{"servers", "demo", "command"}, 23},
		{"inline table", []string{"servers", "demo", "env"}, 24},
		{"key in an inline table", []string{"servers", "demo", "env", "A"}, 24},
		{"nested inline table", []string{"servers", "demo", "env", "B.C", "D"}, 24},
		{"typo", []string{"servers", "demo", "comand"}, 25},
		{"quoted header with spaces", []string{"servers", "my server"}, 27},
		{"key below a quoted header", []string{"servers", "my server", "url"}, 28},
		{"array of tables", []string{"steps"}, 30},
		{"first table of an array", []string{"steps", "0"}, 30},
		{"second table of an array", []string{"steps", "1", "id"}, 33},
		{"sub-table of the latest array table", []string{"steps", "1", "args", "text"}, 35},
		{"third table of an array", []string{"steps", "2", "tool"}, 37},
		{"nested array of tables", []string{"steps", "2", "sub", "1", "n"}, 41},
		{"escaped quote in a value", []string{"steps", "2", "sub", "1", "esc"}, 42},
		{"unicode escape in a key", []string{"steps", "2", "sub", "1", "A"}, 43},
		{"multi-line inline table", []string{"steps", "2", "sub", "1", "multi", "y"}, 45},
		{"missing", []string{"servers", "demo", "args"}, 0},
		{"missing array index", []string{"steps", "3"}, 0},
		{"empty path", nil, 0},
	}
	ix := NewIndex([]byte(doc))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ix.Line(tt.key...); got != tt.want {
				t.Errorf("Line(%q) = %d, want %d", tt.key, got, tt.want)
			}
			if got := Line([]byte(doc), tt.key...); got != tt.want {
				t.Errorf("package Line(%q) = %d, want %d", tt.key, got, tt.want)
			}
		})
	}
}

func TestLineCRLF(t *testing.T) {
	data := strings.ReplaceAll("[servers.demo]\ncommand = \"x\"\n\n[log]\nlevel = \"info\"\n", "\n", "\r\n")
	if got := Line([]byte(data), "log", "level"); got != 5 {
		t.Errorf("Line(log.level) = %d, want 5", got)
	}
}

// TestMalformed checks that broken input neither panics nor loops.
func TestMalformed(t *testing.T) {
	inputs := []string{
		"", "[", "[[", "[]", "a", "a =", "a = [", "a = {", "a = {b", "a = {b =", `a = "`,
		`a = """`, `a = '''`, `"unterminated = 1`, "a = [1, 2,", "= 1", "a = [}", "a = {]",
		"a = \"\\u12\"", "\"\\", "a.b. = 1", "[a.]", "x = [[[[[", "x = {{{{", "\x00 = 1",
		"[a]]\nb=1", "a = '\n'",
	}
	for _, in := range inputs {
		_ = Line([]byte(in), "a", "b")
	}
}

func FuzzLine(f *testing.F) {
	f.Add([]byte(doc), "servers")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		_ = Line(data, strings.Split(key, ".")...)
	})
}
