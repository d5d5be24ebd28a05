package chaos

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/spine-mcp/spine/capability"
)

// TestServerEnvironment checks what a stdio server sees of SPINE's environment: only the
// base set and its env by default, also the variables env_vars names, everything with
// inherit_env = true.
func TestServerEnvironment(t *testing.T) {
	h := checkHygiene(t)
	t.Setenv("SPINE_TEST_SECRET", "from-spine")
	t.Setenv("SPINE_TEST_NAMED", "named")
	plain := h.bad(t, "plain")
	named := h.bad(t, "named")
	named.EnvVars = []string{"SPINE_TEST_NAMED", "SPINE_TEST_UNSET"}
	inherit := h.bad(t, "inherit")
	inherit.InheritEnv = true
	ex := start(t, []capability.ServerSpec{plain, named, inherit})

	for _, c := range []struct {
		server string
		want   map[string]string // and nothing outside BaseEnv and these, unless inherit_env
		absent []string
	}{
		{"plain", map[string]string{"PATH": os.Getenv("PATH"), markEnv: h.mark}, []string{"SPINE_TEST_SECRET", "SPINE_TEST_NAMED"}},
		{"named", map[string]string{"SPINE_TEST_NAMED": "named", markEnv: h.mark}, []string{"SPINE_TEST_SECRET", "SPINE_TEST_UNSET"}},
		{"inherit", map[string]string{"SPINE_TEST_SECRET": "from-spine", "SPINE_TEST_NAMED": "named", markEnv: h.mark}, nil},
	} {
		var env map[string]string
		if err := json.Unmarshal([]byte(textOf(mustCall(t, ex, c.server, "env", nil))), &env); err != nil {
			t.Fatalf("%s: env: %v", c.server, err)
		}
		for k, v := range c.want {
			if env[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.server, k, env[k], v)
			}
		}
		for _, k := range c.absent {
			if v, ok := env[k]; ok {
				t.Errorf("%s: sees %s = %q", c.server, k, v)
			}
		}
		if c.server == "inherit" {
			continue
		}
		for k := range env {
			if _, wanted := c.want[k]; !wanted && !slices.Contains(capability.BaseEnv, k) {
				t.Errorf("%s: sees %s, outside the base set, env and env_vars", c.server, k)
			}
		}
	}
}
