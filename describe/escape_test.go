package describe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\r\nb\rc\u0085d\u2028e\u2029f", "a\nb\nc\nd\ne\nf"},
		{"tab\there", "tab    here"},
		{"esc\x1b[31mred\x00nul\x7fdel\u0090c1", "esc[31mrednuldelc1"},
		{"bidi\u202eevil\u2066x\u2069", "bidievilx"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"café ✓ 𝄞", "café ✓ 𝄞"},
	}
	for _, c := range cases {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"echo", "`echo`"},
		{"back`tick", "`` back`tick ``"},
		{"``double``", "``` ``double`` ```"},
		{"`", "`` ` ``"},
		{"two\nlines\r\n# heading", "`two lines # heading`"},
		{"", "` `"},
		{"<script>", "`<script>`"},
	}
	for _, c := range cases {
		if got := code(c.in); got != c.want {
			t.Errorf("code(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPlain(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SPINE demo server", "SPINE demo server"},
		{"list_open_issues", "list_open_issues"},
		{"_private", `\_private`},
		{"[x](http://attacker.example/)", `\[x\](http:\//attacker.example/)`},
		{"<script>alert(1)</script>", `\<script>alert(1)\</script>`},
		{"a|b `c` *d* ~e~", "a\\|b \\`c\\` \\*d\\* \\~e\\~"},
		{"# Title #1", `\# Title \#1`},
		{"C# and F#", "C# and F#"},
		{"see www.example.com", `see www\.example.com`},
		{"- item", `\- item`},
		{"1. first", `1\. first`},
		{"> quote", `\> quote`},
		{"---", `\---`},
		{"evil\n# Ignore", `evil \# Ignore`},
		{`back\slash`, `back\\slash`},
	}
	for _, c := range cases {
		if got := plain(c.in); got != c.want {
			t.Errorf("plain(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestInline(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Echoes the given text back.", "Echoes the given text back."},
		{"Use `grow` to see *changes*, [docs](https://x.example/).", "Use `grow` to see *changes*, [docs](https://x.example/)."},
		{"An unclosed ` tick", "An unclosed \\` tick"},
		{"Runs ``` and `` here `x`", "Runs \\`\\`\\` and \\`\\` here `x`"},
		{"Tags <b>bold</b> and a < b, `<kept>`", `Tags \<b>bold\</b> and a < b, ` + "`<kept>`"},
		{"<!-- hidden -->", `\<!-- hidden -->`},
		{"# Heading", `\# Heading`},
		{"- item", `\- item`},
		{"12) item", `12\) item`},
		{"```js", "\\`\\`\\`js"},
		{"=====", `\=====`},
		{`ends with \`, `ends with \\`},
		{`keeps \* escapes`, `keeps \* escapes`},
		{"two\nlines", "two lines"},
	}
	for _, c := range cases {
		if got := inline(c.in); got != c.want {
			t.Errorf("inline(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBlock(t *testing.T) {
	cases := []struct{ in, want string }{
		{"One line.", "One line."},
		{"One.\n\nTwo.", "> One.\n>\n> Two."},
		{"\n\nTrimmed.\nLines.\n\n", "> Trimmed.\n> Lines."},
		{"Text\n# Heading\n## Sub", "> Text\n> \\# Heading\n> \\## Sub"},
		{"Text\n---\n===\n* * *", "> Text\n> \\---\n> \\===\n> \\* * *"},
		{"Text\n```\ncode\n~~~~", "> Text\n> \\`\\`\\`\n> code\n> \\~~~~"},
		{"Text\n<div>\n<!-- x", "> Text\n> \\<div>\n> \\<!-- x"},
		{"List:\n- one\n- # two\n  1. # three\n> # quoted", "> List:\n> - one\n> - \\# two\n>   1. \\# three\n> > \\# quoted"},
		{"Code:\n    indented # not a heading", "> Code:\n>     indented # not a heading"},
	}
	for _, c := range cases {
		if got := block(c.in); got != c.want {
			t.Errorf("block(%q) =\n%s\nwant:\n%s", c.in, got, c.want)
		}
	}
}

func TestCell(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"a|b", `a\|b`},
		{"`a|b`", "`a\\|b`"},
		{`a\|b`, `a\|b`},
		{`a\\|b`, `a\\\|b`},
		{"two\nlines", "two lines"},
	}
	for _, c := range cases {
		if got := cell(c.in); got != c.want {
			t.Errorf("cell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestShellWord(t *testing.T) {
	cases := []struct{ in, want string }{
		{"demo", "demo"},
		{"get_item-2.v1", "get_item-2.v1"},
		{"x; rm -rf ~", `'x; rm -rf ~'`},
		{"it's", `'it'\''s'`},
		{"$(id)", `'$(id)'`},
		{"", "''"},
	}
	for _, c := range cases {
		if got := shellWord(c.in); got != c.want {
			t.Errorf("shellWord(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestYAMLString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"demo", `"demo"`},
		{`say "hi": # not a comment`, `"say \"hi\": # not a comment"`},
		{"two\nlines\r\tand\\", `"two\nlines\r\tand\\"`},
		{"---\nname: injected", `"---\nname: injected"`},
		{"nul\x00 del\x7f nel\u0085 ls\u2028 bom\ufeff", `"nul\u0000 del\u007f nel\u0085 ls\u2028 bom\ufeff"`},
		{"bad\xff", "\"bad\ufffd\""},
		{"café ✓", `"café ✓"`},
	}
	for _, c := range cases {
		got := yamlString(c.in)
		if got != c.want {
			t.Errorf("yamlString(%q) = %s, want %s", c.in, got, c.want)
		}
		// The same value read as JSON, on one line.
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || strings.Contains(got, "\n") {
			t.Errorf("yamlString(%q) = %s: not one line of JSON: %v", c.in, got, err)
		} else if want := strings.ToValidUTF8(c.in, "\ufffd"); back != want {
			t.Errorf("yamlString(%q) reads back as %q", c.in, back)
		}
	}
	fm := frontMatter([2]string{"name", yamlScalar("x")}, [2]string{"description", yamlString("a\n---\nname: y")})
	if fm != "---\nname: x\ndescription: \"a\\n---\\nname: y\"\n---\n" {
		t.Errorf("frontMatter = %q", fm)
	}
}

func TestYAMLScalar(t *testing.T) {
	cases := []struct{ in, want string }{
		{"demo", "demo"},
		{"my-server-2", "my-server-2"},
		{"null", `"null"`},
		{"yes", `"yes"`},
		{"off", `"off"`},
		{"123", `"123"`},
		{"1e3", `"1e3"`},
		{"2001-12-14", `"2001-12-14"`},
		{"0x1f", `"0x1f"`},
		{"Demo", `"Demo"`},
		{"a: b", `"a: b"`},
		{"", `""`},
	}
	for _, c := range cases {
		if got := yamlScalar(c.in); got != c.want {
			t.Errorf("yamlScalar(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestCut(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
		was  bool
	}{
		{"short", 20, "short", false},
		{strings.Repeat("a", 20), 20, strings.Repeat("a", 20), false},
		{strings.Repeat("a", 21), 20, "aaaaaaa" + truncatedMark, true},
		{strings.Repeat("é", 30), 20, strings.Repeat("é", 7) + truncatedMark, true},
		{"word word word word word", 20, "word wo" + truncatedMark, true},
		{"word  \n word word word", 20, "word" + truncatedMark, true},
	}
	for _, c := range cases {
		got, was := cut(c.in, c.n)
		if got != c.want || was != c.was {
			t.Errorf("cut(%q, %d) = %q, %v; want %q, %v", c.in, c.n, got, was, c.want, c.was)
		}
		if n := utf8.RuneCountInString(got); n > c.n {
			t.Errorf("cut(%q, %d) has %d runes", c.in, c.n, n)
		}
	}
	if got := cutBytes(strings.Repeat("é", 100), 41); len(got) > 41 || !utf8.ValidString(got) || !strings.HasSuffix(got, truncatedMark) {
		t.Errorf("cutBytes = %q (%d bytes)", got, len(got))
	}
}

func TestBoundMarkdown(t *testing.T) {
	short := "# Title\n\nText.\n"
	if got, was := boundMarkdown(short); got != short || was {
		t.Errorf("boundMarkdown cut a short text")
	}
	long := "# Title\n\n```sh\n" + strings.Repeat("spine call x\n", maxMarkdownBytes/10)
	got, was := boundMarkdown(long)
	if !was || len(got) > maxMarkdownBytes || !strings.HasSuffix(got, "This file stops at its bound of 1 MiB.\n") {
		t.Fatalf("boundMarkdown: %d bytes, cut %v, ends %q", len(got), was, got[len(got)-80:])
	}
	if openFence(got) != "" {
		t.Error("boundMarkdown left a code block open")
	}
}
