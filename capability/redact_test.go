package capability

import (
	"slices"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://127.0.0.1:9000/mcp", "http://127.0.0.1:9000/mcp"},
		{"http://127.0.0.1:9000/mcp?api_key=SECRET123", "http://127.0.0.1:9000/mcp?api_key=[redacted]"},
		{"https://user:pa%40ss@example.com/mcp", "https://[redacted]@example.com/mcp"},
		{"https://user:p@ss@example.com:8443/a/b?x=1&y=&z#frag",
			"https://[redacted]@example.com:8443/a/b?x=[redacted]&y=[redacted]&[redacted]#[redacted]"},
		{"https://token@example.com?", "https://[redacted]@example.com?"},
		{"https://example.com/mcp?next=https://other/x?token=abc", "https://example.com/mcp?next=[redacted]"},
		{"not a url at all?secret=1", "not a url at all?secret=[redacted]"},
		{"", ""},
	} {
		got := RedactURL(tt.in)
		if got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := RedactURL(got); again != got {
			t.Errorf("RedactURL(%q) = %q: redacting twice changed it", got, again)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`Post "http://127.0.0.1:1/mcp?api_key=SECRET123": dial tcp 127.0.0.1:1: connect: connection refused`,
			`Post "http://127.0.0.1:1/mcp?api_key=[redacted]": dial tcp 127.0.0.1:1: connect: connection refused`},
		{`Get "https://u:SECRETPASS@h/sse": EOF`, `Get "https://[redacted]@h/sse": EOF`},
		{"see http://h/x?t=SECRET. Or HTTPS://h/y?t=SECRET2, (http://h/z?k=v)",
			"see http://h/x?t=[redacted]. Or HTTPS://h/y?t=[redacted], (http://h/z?k=[redacted])"},
		{"no url here", "no url here"},
	} {
		if got := RedactURLs(tt.in); got != tt.want {
			t.Errorf("RedactURLs(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestURLSecrets(t *testing.T) {
	got := URLSecrets("https://alice:pa%40ss@example.com/mcp?api_key=S%2BECRET&flag&x=#frag")
	for _, want := range []string{"alice:pa%40ss", "alice:pa@ss", "alice", "pa%40ss", "pa@ss", "S%2BECRET", "S+ECRET", "flag", "frag"} {
		if !slices.Contains(got, want) {
			t.Errorf("URLSecrets misses %q: %q", want, got)
		}
	}
	for _, s := range got {
		if s == "" || strings.Contains(s, "example.com") || strings.Contains(s, "api_key") {
			t.Errorf("URLSecrets has %q, which is not a secret: %q", s, got)
		}
	}
	if s := URLSecrets("http://127.0.0.1:9000/mcp"); len(s) != 0 {
		t.Errorf("URLSecrets of a plain url = %q", s)
	}
}
