package describe

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Echo text", []string{"Echo text."}},
		{"One. Two! Three?", []string{"One.", "Two!", "Three?"}},
		{"Uses a 1.5 s back-off, e.g. for retries. Then stops.", []string{"Uses a 1.5 s back-off, e.g. for retries.", "Then stops."}},
		{"Reads files (see docs.) Then more.", []string{"Reads files (see docs.)", "Then more."}},
		{"Lists\n  many\tthings. Also `a.b` paths.", []string{"Lists many things.", "Also `a.b` paths."}},
		{"Options:", []string{"Options."}},
		{"Calls v2. and so on.", []string{"Calls v2. and so on."}},
	}
	for _, c := range cases {
		if got := sentences(c.in); !slices.Equal(got, c.want) {
			t.Errorf("sentences(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPurpose(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Adds two numbers and returns the sum.", "add two numbers and return the sum", true},
		{"Echoes the given text back.", "echo the given text back", true},
		{"Fetches a page, then parses it.", "fetch a page, then parse it", true},
		{"Copies files.", "copy files", true},
		{"Lists open issues.", "list open issues", true},
		{"List open issues.", "list open issues", true},
		{"Caches a value.", "cache a value", true},
		{"Never answers.", "", false},
		{"A tool that does things.", "", false},
		{"JSON diff of two files.", "", false},
		{"Process the data.", "", false},
		{"Details of the user.", "", false},
		{"Status of the server.", "", false},
		{"Settings for the app.", "", false},
		{"Writes to a file.", "write to a file", true},
		{"Searches for issues.", "search for issues", true},
		{"Waits for the job.", "wait for the job", true},
	}
	for _, c := range cases {
		got, ok := purpose(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("purpose(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestNameWords(t *testing.T) {
	for in, want := range map[string]string{
		"listOpenIssues":   "list open issues",
		"list_open-issues": "list open issues",
		"get.v2.Item":      "get v2 item",
		"HTTPGet":          "httpget",
	} {
		if got := strings.Join(nameWords(in), " "); got != want {
			t.Errorf("nameWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToolRole(t *testing.T) {
	cases := []struct {
		tool Tool
		role role
	}{
		{Tool{Name: "list_files"}, roleRead},
		{Tool{Name: "deleteFile"}, roleDestroy},
		{Tool{Name: "file_delete"}, roleDestroy},
		{Tool{Name: "create_issue"}, roleWrite},
		{Tool{Name: "frobnicate"}, roleOther},
		{Tool{Name: "delete_cache", Annotations: &Annotations{ReadOnly: true}}, roleRead},
		{Tool{Name: "add", Annotations: &Annotations{Destructive: no()}}, roleWrite},
		{Tool{Name: "get", Annotations: &Annotations{Destructive: yes()}}, roleDestroy},
		{Tool{Name: "list", Annotations: &Annotations{Title: "only a title"}}, roleRead},
	}
	for _, c := range cases {
		if r := toolRole(c.tool); r != c.role {
			t.Errorf("%s: role %v, want %v", c.tool.Name, r, c.role)
		}
	}
}

func TestSchemaParams(t *testing.T) {
	schema := json.RawMessage(`{
		"type": "object",
		"required": ["query"],
		"properties": {
			"limit": {"type": "integer", "default": 10, "minimum": 1, "maximum": 100},
			"query": {"type": "string", "description": "What to look for."},
			"mode": {"enum": ["fast", "exact"]},
			"since": {"type": ["string", "null"], "format": "date-time"},
			"filter": {"type": "object", "required": ["state"], "properties": {"state": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}}}},
			"items": {"type": "array", "items": {"type": "object", "properties": {"id": {"$ref": "#/$defs/ID"}}}},
			"any": {"anyOf": [{"type": "string"}, {"type": "number"}]}
		}
	}`)
	var rows []string
	for _, p := range schemaParams(schema) {
		rows = append(rows, p.name+": "+p.typ+" req="+map[bool]string{true: "y", false: "n"}[p.required]+" "+strings.Join(p.notes, " "))
	}
	want := []string{
		"query: string req=y ",
		"any: string or number req=n ",
		"filter: object req=n ",
		"filter.state: string req=y ",
		"filter.labels: array of string req=n ",
		"items: array of object req=n ",
		"items[].id: ID req=n ",
		"limit: integer req=n Default: `10`. From 1 to 100.",
		"mode: enum req=n One of: `fast`, `exact`.",
		"since: string or null (date-time) req=n ",
	}
	if !slices.Equal(rows, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if got := exampleArgs(schemaParams(schema)); got != `{"query": "<query>"}` {
		t.Errorf("exampleArgs = %s", got)
	}
}

func TestDemoteHeadings(t *testing.T) {
	in := "# A\ntext #1\n```\n# not a heading\n```\n#hashtag\n##### deep"
	want := "### A\ntext #1\n```\n# not a heading\n```\n#hashtag\n###### deep"
	if got := demoteHeadings(in, 2); got != want {
		t.Errorf("demoteHeadings:\n%s\nwant:\n%s", got, want)
	}
}

func TestFit(t *testing.T) {
	long := strings.Repeat("word ", 200)
	sections := []*section{
		newSection("keep", "# Title"),
		newSection("a", long).or("short a.", "a shortened").or("", "a dropped"),
		newSection("b", long).or("short b.", "b shortened"),
	}
	text, notes, ok := fit(20, sections, "a", "b", "a")
	if !ok || text != "# Title\n\nshort a.\n\nshort b.\n" {
		t.Fatalf("fit = %q, %v", text, ok)
	}
	if !slices.Equal(notes, []string{"a shortened", "b shortened"}) {
		t.Errorf("notes %q: it should stop as soon as the text fits", notes)
	}
	// A form equal to the one before is no condensation, and no note.
	s := newSection("x", "same").or("same", "noop")
	if len(s.forms) != 1 {
		t.Error("an identical form was added")
	}
	var c condensed
	for _, tool := range []string{"a", "b", "c", "d", "e", "f"} {
		c.add("l1", "shortened", "tool", tool)
	}
	c.add("l1", "other", "tool", "a")
	c.add("l0", "dropped", "", "")
	want := []string{"l1: shortened (6 tools)", "l1: other (tool `a`)", "l0: dropped"}
	if got := c.list(); !slices.Equal(got, want) {
		t.Errorf("condensed %q, want %q", got, want)
	}
}
