package capability

import (
	"reflect"
	"testing"
)

func TestIdentityHeadersKey(t *testing.T) {
	p, err := Parse("spine.toml", []byte(`[servers.r]
url = "http://h/mcp"
isolation = "identity"
identity_headers = ["X-Access-Token", "x-tenant"]
`))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := p.Server("r")
	if want := []string{"X-Access-Token", "x-tenant"}; !reflect.DeepEqual(s.IdentityHeaders, want) {
		t.Errorf("IdentityHeaders = %q, want %q", s.IdentityHeaders, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	const remote = "[servers.r]\nurl = \"http://h/mcp\"\n" // lines 1-2
	for _, tt := range []struct{ name, toml, want string }{
		{"misspelt", remote + "isolation = \"identity\"\nidentity_header = [\"X-A\"]\n",
			`spine.toml:4: servers.r.identity_header: unknown key (did you mean "identity_headers"?)`},
		{"not an array", remote + "isolation = \"identity\"\nidentity_headers = \"X-A\"\n",
			`spine.toml:4: servers.r.identity_headers: want an array of strings, got string`},
		{"not a header name", remote + "isolation = \"identity\"\nidentity_headers = [\"X-A\", \"X B\"]\n",
			`spine.toml:4: servers.r.identity_headers.1: element 2: not a valid HTTP header name`},
		{"empty", remote + "isolation = \"identity\"\nidentity_headers = []\n",
			`spine.toml:4: servers.r.identity_headers: empty: list the headers that tell callers apart, or remove the key (then every per-call header does)`},
		{"without identity isolation", remote + "identity_headers = [\"X-A\"]\n",
			`spine.toml:3: servers.r.identity_headers: identity_headers takes effect only with isolation = "identity" (this server has "shared")`},
		{"stdio", "[servers.s]\ncommand = \"x\"\nisolation = \"identity\"\nidentity_headers = [\"X-A\"]\n",
			`spine.toml:4: servers.s.identity_headers: only http and sse servers get per-call headers`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("spine.toml", []byte(tt.toml))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}

	// A workflow that turns isolation off under a server listing identity_headers is told so.
	merged, err := p.MergeTOML("wf.toml", []byte("[servers.r]\nisolation = \"shared\"\n"))
	if want := `wf.toml:2: servers.r.isolation: identity_headers takes effect only with isolation = "identity" (this server has "shared")`; err == nil || err.Error() != want {
		t.Errorf("merge: %v, %v\nwant %s", merged, err, want)
	}
}
