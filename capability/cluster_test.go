package capability

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCluster(t *testing.T) {
	p, err := Parse("spine.toml", []byte("[cluster]\naddress = \"10.0.0.5:7800\"\npeers = [\"10.0.0.5:7800\", \"10.0.0.6:7800\"]\nkey_env = \"MY_KEY\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := ClusterConfig{Address: "10.0.0.5:7800", Peers: []string{"10.0.0.5:7800", "10.0.0.6:7800"}, KeyEnv: "MY_KEY"}
	if c := p.Cluster; c.Address != want.Address || !slices.Equal(c.Peers, want.Peers) || c.KeyEnv != want.KeyEnv {
		t.Errorf("[cluster] = %+v, want %+v", c, want)
	}
	for _, tc := range []struct{ name, toml, want string }{
		{"address without port", "[cluster]\naddress = \"10.0.0.5\"\n", "spine.toml:2: cluster.address: want HOST:PORT, e.g. 10.0.0.5:7800"},
		{"port out of range", "[cluster]\naddress = \"h:70000\"\n", "spine.toml:2: cluster.address: want a port from 1 to 65535"},
		{"unspecified address", "[cluster]\naddress = \"0.0.0.0:7800\"\n", "spine.toml:2: cluster.address: 0.0.0.0 names no node"},
		{"bad peer", "[cluster]\npeers = [\"a:1\", \"b\"]\n", `spine.toml:2: cluster.peers: peer "b": want HOST:PORT`},
		{"empty key_env", "[cluster]\nkey_env = \"\"\n", "spine.toml:2: cluster.key_env: name an environment variable"},
		{"unknown key", "[cluster]\nmembers = []\n", `spine.toml:2: cluster.members: unknown key (did you mean "peers"?)`},
	} {
		_, err := Parse("spine.toml", []byte(tc.toml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
