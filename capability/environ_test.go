package capability

import (
	"slices"
	"testing"
)

func TestEnvKeys(t *testing.T) {
	tests := []struct {
		name, file, doc string
		vars            []string
		inherit         bool
	}{
		{"toml defaults", "spine.toml", "[servers.a]\ncommand = \"a\"\n", nil, false},
		{"toml keys", "spine.toml", "[servers.a]\ncommand = \"a\"\nenv_vars = [\"GITHUB_TOKEN\", \"AWS_PROFILE\"]\ninherit_env = true\n",
			[]string{"GITHUB_TOKEN", "AWS_PROFILE"}, true},
		{"json defaults", ".mcp.json", `{"mcpServers": {"a": {"command": "a"}}}`, nil, false},
		{"json keys", ".mcp.json", `{"mcpServers": {"a": {"command": "a", "env_vars": ["GITHUB_TOKEN"], "inherit_env": false}}}`,
			[]string{"GITHUB_TOKEN"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				p   *Project
				err error
			)
			if tt.file == ".mcp.json" {
				p, err = ParseMCPJSON(tt.file, []byte(tt.doc))
			} else {
				p, err = Parse(tt.file, []byte(tt.doc))
			}
			if err != nil {
				t.Fatal(err)
			}
			s, _ := p.Server("a")
			if !slices.Equal(s.EnvVars, tt.vars) || s.InheritEnv != tt.inherit {
				t.Errorf("EnvVars = %q, InheritEnv = %v; want %q, %v", s.EnvVars, s.InheritEnv, tt.vars, tt.inherit)
			}
		})
	}
}

func TestEnviron(t *testing.T) {
	parent := []string{
		"PATH=/usr/bin", "HOME=/home/u", "LANG=C.UTF-8", "TZ=UTC",
		"AWS_SECRET_ACCESS_KEY=aws", "GITHUB_TOKEN=gh", "EDITOR=vi", "NOEQUALS",
	}
	tests := []struct {
		name string
		spec ServerSpec
		want []string
	}{
		{"base set only", ServerSpec{},
			[]string{"PATH=/usr/bin", "HOME=/home/u", "LANG=C.UTF-8", "TZ=UTC"}},
		{"env is added, sorted, and wins", ServerSpec{Env: map[string]string{"Z": "z", "HOME": "/srv", "A": "a"}},
			[]string{"PATH=/usr/bin", "LANG=C.UTF-8", "TZ=UTC", "A=a", "HOME=/srv", "Z=z"}},
		{"env_vars pass named variables; unset ones are skipped", ServerSpec{EnvVars: []string{"GITHUB_TOKEN", "UNSET"}},
			[]string{"PATH=/usr/bin", "HOME=/home/u", "LANG=C.UTF-8", "TZ=UTC", "GITHUB_TOKEN=gh"}},
		{"inherit_env passes everything", ServerSpec{InheritEnv: true, Env: map[string]string{"EDITOR": "ed"}},
			[]string{"PATH=/usr/bin", "HOME=/home/u", "LANG=C.UTF-8", "TZ=UTC", "AWS_SECRET_ACCESS_KEY=aws", "GITHUB_TOKEN=gh", "EDITOR=ed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Environ(parent); !slices.Equal(got, tt.want) {
				t.Errorf("Environ =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
