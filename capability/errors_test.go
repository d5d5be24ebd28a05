package capability

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	const demo = "[servers.demo]\ncommand = \"x\"\n" // lines 1-2
	tests := []struct {
		name string
		toml string
		want string
	}{
		{"unknown top-level key", "[sever.demo]\ncommand = \"x\"\n",
			`spine.toml:1: sever: unknown key (did you mean "servers"?)`},
		{"unknown server key", demo + "comand = \"y\"\n",
			`spine.toml:3: servers.demo.comand: unknown key (did you mean "command"?)`},
		{"unknown key, no suggestion", demo + "wibble = 1\n",
			`spine.toml:3: servers.demo.wibble: unknown key`},
		{"unknown key, prefix suggestion", demo + "circuit = 1\n",
			`spine.toml:3: servers.demo.circuit: unknown key (did you mean "circuit_reset"?)`},
		{"unknown key, other tool's name", demo + "type = \"stdio\"\n",
			`spine.toml:3: servers.demo.type: unknown key (did you mean "transport"?)`},
		{"unknown defaults key", "[defaults]\n\nmax_session = 3\n",
			`spine.toml:3: defaults.max_session: unknown key (did you mean "max_sessions"?)`},
		{"unknown log key", "[log]\nlevle = \"info\"\n",
			`spine.toml:2: log.levle: unknown key (did you mean "level"?)`},
		{"unknown describe key", "[describe]\nbuilder = \"x\"\n",
			`spine.toml:2: describe.builder: unknown key (did you mean "builder_tool"?)`},
		{"server alias in defaults", "[defaults]\nstartup_timeout_sec = 3\n",
			`spine.toml:2: defaults.startup_timeout_sec: unknown key`},
		{"servers not a table", "servers = 1\n",
			`spine.toml:1: servers: want a table, got integer`},
		{"server not a table", "[servers]\ndemo = \"x\"\n",
			`spine.toml:2: servers.demo: want a table, got string`},
		{"string wanted", demo + "cwd = 1\n",
			`spine.toml:3: servers.demo.cwd: want a string, got integer`},
		{"integer wanted", demo + "max_sessions = \"4\"\n",
			`spine.toml:3: servers.demo.max_sessions: want an integer, got string`},
		{"array wanted", demo + "args = \"a b\"\n",
			`spine.toml:3: servers.demo.args: want an array of strings, got string`},
		{"array element", demo + "args = [\n  \"a\",\n  2,\n]\n",
			`spine.toml:5: servers.demo.args.1: element 2: want a string, got integer`},
		{"boolean wanted", demo + "enabled = \"no\"\n",
			`spine.toml:3: servers.demo.enabled: want a boolean, got string`},
		{"env value", demo + "env = { A = \"a\", B = 2 }\n",
			`spine.toml:3: servers.demo.env.B: want a string, got integer`},
		{"env sub-table value", demo + "[servers.demo.env]\nA = \"a\"\nB = true\n",
			`spine.toml:5: servers.demo.env.B: want a string, got boolean`},
		{"env_vars misspelt", demo + "env_var = [\"A\"]\n",
			`spine.toml:3: servers.demo.env_var: unknown key (did you mean "env_vars"?)`},
		{"inherit_env misspelt", demo + "inherit_envs = true\n",
			`spine.toml:3: servers.demo.inherit_envs: unknown key (did you mean "inherit_env"?)`},
		{"env_vars not an array", demo + "env_vars = \"A\"\n",
			`spine.toml:3: servers.demo.env_vars: want an array of strings, got string`},
		{"env_vars element", demo + "env_vars = [\"A\", 1]\n",
			`spine.toml:3: servers.demo.env_vars.1: element 2: want a string, got integer`},
		{"env_vars name", demo + "env_vars = [\"A\", \"B=C\"]\n",
			`spine.toml:3: servers.demo.env_vars.1: element 2: "B=C" is not a variable name (letters, digits and '_', not starting with a digit)`},
		{"env_vars names are not expanded", demo + "env_vars = [\"${HOME}\"]\n",
			`spine.toml:3: servers.demo.env_vars.0: element 1: "${HOME}" is not a variable name (letters, digits and '_', not starting with a digit)`},
		{"inherit_env not a boolean", demo + "inherit_env = \"yes\"\n",
			`spine.toml:3: servers.demo.inherit_env: want a boolean, got string`},
		{"env name", demo + "env = { \"A=B\" = \"a\" }\n",
			`spine.toml:3: servers.demo.env."A=B": not a valid environment variable name`},
		{"header name", "[servers.r]\nurl = \"http://h/mcp\"\nheaders = { \"Bad Header\" = \"v\" }\n",
			`spine.toml:3: servers.r.headers."Bad Header": not a valid HTTP header name`},
		{"duration below the minimum", demo + "health_interval = \"1ns\"\n",
			`spine.toml:3: servers.demo.health_interval: must be at least 10ms (or 0 where that turns it off), got 1ns`},
		{"tool timeout below the minimum", demo + "tool_timeouts = { quick = \"1us\" }\n",
			`spine.toml:3: servers.demo.tool_timeouts.quick: must be at least 10ms, got 1µs`},
		{"negative heap floor", demo + "[serve]\nheap_floor_mib = -64\n",
			`spine.toml:4: serve.heap_floor_mib: must be 0 (none) to 1048576 MiB`},
		{"heap floor in bytes", demo + "[serve]\nheap_floor = 67108864\n",
			`spine.toml:4: serve.heap_floor: unknown key (did you mean "heap_floor_mib"?)`},
		{"negative session slots", "[defaults]\nmax_total_sessions = -1\n",
			`spine.toml:2: defaults.max_total_sessions: must not be negative, got -1`},
		{"idempotent tools not a list", demo + "idempotent_tools = \"read\"\n",
			`spine.toml:3: servers.demo.idempotent_tools: want an array of strings, got string`},
		{"bad duration", demo + "call_timeout = \"5 minutes\"\n",
			`spine.toml:3: servers.demo.call_timeout: bad duration "5 minutes" (want a Go duration such as "30s" or "5m")`},
		{"duration as number", "[defaults]\nidle_timeout = 300\n",
			`spine.toml:2: defaults.idle_timeout: want a duration string such as "30s", got integer`},
		{"bad tool timeout", demo + "tool_timeouts = { slow = \"soon\" }\n",
			`spine.toml:3: servers.demo.tool_timeouts.slow: bad duration "soon" (want a Go duration such as "30s" or "5m")`},
		{"negative tool timeout", demo + "tool_timeouts = { slow = \"-1s\" }\n",
			`spine.toml:3: servers.demo.tool_timeouts.slow: must not be negative, got -1s`},
		{"negative number", "[defaults]\nretries = -1\n",
			`spine.toml:2: defaults.retries: must not be negative, got -1`},
		{"negative duration", demo + "idle_timeout = \"-5s\"\n",
			`spine.toml:3: servers.demo.idle_timeout: must not be negative, got -5s`},
		{"negative seconds", demo + "startup_timeout_sec = -2\n",
			`spine.toml:3: servers.demo.startup_timeout_sec: must not be negative, got -2s`},
		{"seconds not a number", demo + "tool_timeout_sec = \"9\"\n",
			`spine.toml:3: servers.demo.tool_timeout_sec: want a number of seconds, got string`},
		{"alias and key", demo + "call_timeout = \"9s\"\ntool_timeout_sec = 9\n",
			`spine.toml:4: servers.demo.tool_timeout_sec: set either call_timeout or tool_timeout_sec, not both`},
		{"huge number", demo + "retries = 99999999999\n",
			`spine.toml:3: servers.demo.retries: 99999999999 is out of range`},
		{"min > max in defaults", "[defaults]\nmin_sessions = 5\n",
			`spine.toml:2: defaults.min_sessions: min_sessions (5) is greater than max_sessions (4)`},
		{"min > max in a server", "[defaults]\nmin_sessions = 2\n\n" + demo + "max_sessions = 1\n",
			`spine.toml:6: servers.demo.max_sessions: min_sessions (2) is greater than max_sessions (1)`},
		{"max_sessions < 1", demo + "max_sessions = 0\n",
			`spine.toml:3: servers.demo.max_sessions: must be at least 1, got 0`},
		{"max_inflight < 1", "[defaults]\nmax_inflight = 0\n",
			`spine.toml:2: defaults.max_inflight: must be at least 1, got 0`},
		{"unknown isolation", demo + "isolation = \"private\"\n",
			`spine.toml:3: servers.demo.isolation: unknown isolation "private" (want shared, identity or affinity)`},
		{"unknown health method", "[defaults]\nhealth_methods = [\"ping\", \"tools\"]\n",
			`spine.toml:2: defaults.health_methods: unknown health method "tools" (want ping, list_tools or skip)`},
		{"bad protocol", "[defaults]\nprotocol = \"latest\"\n",
			`spine.toml:2: defaults.protocol: protocol "latest": want "auto" (probe the server), "2025-11-25" (the session era) or "2026-07-28" (the sessionless era); older versions: "2025-06-18", "2025-03-26", "2024-11-05"`},
		{"bad protocol date", demo + "protocol = \"2025-13-40\"\n",
			`spine.toml:3: servers.demo.protocol: protocol "2025-13-40": want "auto" (probe the server), "2025-11-25" (the session era) or "2026-07-28" (the sessionless era); older versions: "2025-06-18", "2025-03-26", "2024-11-05"`},
		{"unknown protocol date", demo + "protocol = 2024-01-01\n",
			`spine.toml:3: servers.demo.protocol: protocol "2024-01-01": want "auto" (probe the server), "2025-11-25" (the session era) or "2026-07-28" (the sessionless era); older versions: "2025-06-18", "2025-03-26", "2024-11-05"`},
		{"sse pinned to the sessionless era", "[servers.r]\nurl = \"http://h\"\ntransport = \"sse\"\nprotocol = \"2026-07-28\"\n",
			`spine.toml:4: servers.r.protocol: server "r": the sse transport speaks only the session era (2025-11-25 and older): use transport = "http" for protocol "2026-07-28", or pin protocol = "2025-11-25"`},
		{"affinity on a modern HTTP server", "[servers.r]\nurl = \"http://h\"\nprotocol = \"2026-07-28\"\nisolation = \"affinity\"\n",
			`spine.toml:4: servers.r.isolation: server "r": isolation = "affinity" needs a session to dedicate to each affinity key, but over HTTP the 2026-07-28 protocol has no sessions (a server keeps state in explicit handles its tools return): use isolation = "shared" or "identity", or pin protocol = "2025-11-25" if the server also speaks it`},
		{"unknown log level", "[log]\nlevel = \"verbose\"\n",
			`spine.toml:2: log.level: unknown log level "verbose" (want debug, info, warn, error)`},
		{"unknown log format", "[log]\nformat = \"xml\"\n",
			`spine.toml:2: log.format: unknown log format "xml" (want auto, console, json)`},
		{"unknown transport", "[servers.r]\nurl = \"http://h\"\ntransport = \"ws\"\n",
			`spine.toml:3: servers.r.transport: unknown transport "ws" (want stdio, http or sse)`},
		{"stdio transport with url", "[servers.r]\nurl = \"http://h\"\ntransport = \"stdio\"\n",
			`spine.toml:3: servers.r.transport: transport "stdio" needs command, not url`},
		{"http transport with command", demo + "transport = \"http\"\n",
			`spine.toml:3: servers.demo.transport: transport "http" needs url, not command`},
		{"command and url", demo + "url = \"http://h\"\n",
			`spine.toml:3: servers.demo.url: set either command (stdio) or url (http, sse), not both`},
		{"neither command nor url", "\n[servers.demo]\nargs = []\n",
			`spine.toml:2: servers.demo: set command (a stdio server) or url (an http or sse server)`},
		{"url not http", "[servers.r]\nurl = \"ftp://h/x\"\n",
			`spine.toml:2: servers.r.url: want an http:// or https:// URL`},
		{"url without host", "[servers.r]\nurl = \"http:///x\"\n",
			`spine.toml:2: servers.r.url: want an http:// or https:// URL`},
		{"server name with a space", "[servers.\"my server\"]\ncommand = \"x\"\n",
			`spine.toml:1: servers."my server": server name "my server" may only contain A-Z, a-z, 0-9, '_', '.' and '-'`},
		{"empty server name", "[servers.\"\"]\ncommand = \"x\"\n",
			`spine.toml:1: servers."": server name is empty`},
		{"bad builder server", "[describe]\nbuilder_server = \"a/b\"\n",
			`spine.toml:2: describe.builder_server: server name "a/b" may only contain A-Z, a-z, 0-9, '_', '.' and '-'`},
		{"malformed TOML", demo + "args = [\"a\"\n\nenabled = true\n",
			`spine.toml:5: servers.demo.args: malformed TOML: expected a comma (',') or array terminator (']'), but got …`},
		{"duplicate key", demo + "command = \"y\"\n",
			`spine.toml:3: servers.demo.command: malformed TOML: Key 'servers.demo.command' has already been defined.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("spine.toml", []byte(tt.toml))
			if err == nil {
				t.Fatalf("Parse = %+v, want error %s", p, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse error\n got %s\nwant %s", err, tt.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *ConfigError", err)
			}
		})
	}
}

func TestParseMCPJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"unknown key", "{\"mcpServers\": {\n  \"a\": {\n    \"command\": \"x\",\n    \"agrs\": []\n  }\n}}",
			`.mcp.json:4: mcpServers.a.agrs: unknown key (did you mean "args"?)`},
		{"spine.toml key", "{\"mcpServers\": {\"a\": {\n\"command\": \"x\", \"max_sessions\": 2}}}",
			`.mcp.json:2: mcpServers.a.max_sessions: unknown key`},
		{"transport for type", "{\"mcpServers\": {\"a\": {\"url\": \"http://h\",\n \"transport\": \"sse\"}}}",
			`.mcp.json:2: mcpServers.a.transport: unknown key (did you mean "type"?)`},
		{"env_vars in camel case", "{\"mcpServers\": {\"a\": {\"command\": \"x\",\n \"envVars\": [\"A\"]}}}",
			`.mcp.json:2: mcpServers.a.envVars: unknown key (did you mean "env_vars"?)`},
		{"inherit_env in camel case", "{\"mcpServers\": {\"a\": {\"command\": \"x\",\n \"inheritEnv\": true}}}",
			`.mcp.json:2: mcpServers.a.inheritEnv: unknown key (did you mean "inherit_env"?)`},
		{"inherit_env not a boolean", "{\"mcpServers\": {\"a\": {\"command\": \"x\",\n \"inherit_env\": 1}}}",
			`.mcp.json:2: mcpServers.a.inherit_env: want a boolean, got number`},
		{"unknown type", "{\"mcpServers\": {\"a\": {\"url\": \"http://h\",\n \"type\": \"ws\"}}}",
			`.mcp.json:2: mcpServers.a.type: unknown type "ws" (want stdio, http, streamable-http or sse)`},
		{"type needs url", "{\"mcpServers\": {\"a\": {\"command\": \"x\",\n \"type\": \"sse\"}}}",
			`.mcp.json:2: mcpServers.a.type: transport "sse" needs url, not command`},
		{"wrong type", "{\"mcpServers\": {\"a\": {\"command\": \"x\",\n \"env\": [\"A=1\"]}}}",
			`.mcp.json:2: mcpServers.a.env: want an object, got array`},
		{"number element", "{\"mcpServers\": {\"a\": {\"command\": \"x\",\n \"args\": [\"--port\",\n 8080]}}}",
			`.mcp.json:3: mcpServers.a.args.1: element 2: want a string, got number`},
		{"mcpServers not an object", "{\n\"mcpServers\": []}",
			`.mcp.json:2: mcpServers: want an object, got array`},
		{"server not an object", "{\"mcpServers\": {\n\"a\": \"npx x\"}}",
			`.mcp.json:2: mcpServers.a: want an object, got string`},
		{"malformed", "{\"mcpServers\": {\n\"a\": {\"command\": \"x\",}\n}}",
			`.mcp.json:2: malformed JSON: invalid character '}' looking for beginning of object key string`},
		{"truncated", "{\"mcpServers\": {\n\"a\": {\"command\": \"x\"",
			`.mcp.json:2: malformed JSON: unexpected end of file`},
		{"empty", "  \n", `.mcp.json:1: malformed JSON: the file is empty; want a JSON object`},
		{"not an object", "[]", `.mcp.json:1: malformed JSON: want an object at the top level, got array`},
		{"trailing data", "{}\n{}", `.mcp.json:2: malformed JSON: unexpected data after the top-level object`},
		{"duplicate", "{\"mcpServers\": {\"a\": {\"command\": \"x\"},\n\"a\": {}}}",
			`.mcp.json:2: malformed JSON: key "a" appears twice`},
		{"deep", strings.Repeat("[", 500), `.mcp.json:1: malformed JSON: nested too deeply`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseMCPJSON(".mcp.json", []byte(tt.json))
			if err == nil {
				t.Fatalf("ParseMCPJSON = %+v, want error %s", p, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseMCPJSON error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestSecretsNotInErrors checks that values of env, headers and url never reach a message.
func TestSecretsNotInErrors(t *testing.T) {
	t.Setenv("SPINE_TEST_SECRET", "s3cr3t")
	tomls := []string{
		"[servers.demo]\ncommand = \"x\"\nurl = \"http://h?key=s3cr3t\"\nenv = { A = \"s3cr3t\" }\nheaders = { Authorization = \"Bearer s3cr3t\" }\n",
		"[servers.r]\nurl = \"s3cr3t://h\"\nheaders = { \"Bad Name\" = \"s3cr3t\", X = 1 }\nenv = { \"=\" = \"${SPINE_TEST_SECRET}\" }\n",
		"[servers.r]\nurl = \"http://h\"\nheaders = { Authorization = Bearer s3cr3t }\n",
		"[servers.r]\nurl = \"http://h\"\nenv = { A = s3cr3t }\n",
		"[servers.r]\nurl = \"http://h\"\nenv = { A = \"s3cr3t\" s3cr3t }\n",
		"[servers.r]\ncommand = \"x\"\nenv = { A = 's3cr3t\n",
		"[servers.bad]\nurl = \"::s3cr3t\"\n",
		"[servers.bad]\nurl = \"${SPINE_TEST_SECRET}\"\ncomand = 1\n",
	}
	for i, doc := range tomls {
		_, err := Parse("spine.toml", []byte(doc))
		if err == nil {
			t.Errorf("toml %d: no error", i)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("toml %d: error shows a secret: %v", i, err)
		}
		_, err = (&Project{}).MergeTOML("wf.toml", []byte(doc))
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("toml %d: MergeTOML error = %v", i, err)
		}
	}
	jsons := []string{
		`{"mcpServers": {"a": {"command": "x", "url": "http://h/s3cr3t", "env": {"K": "s3cr3t"}, "headers": {"H": "s3cr3t"}}}}`,
		`{"mcpServers": {"a": {"url": "s3cr3t", "headers": {"H": "s3cr3t", "": "s3cr3t"}, "env": {"K": 1}}}}`,
		`{"mcpServers": {"a": {"command": "x", "env": {"K": "s3cr3t"}, "bogus": true}}}`,
	}
	for i, doc := range jsons {
		_, err := ParseMCPJSON(".mcp.json", []byte(doc))
		if err == nil {
			t.Errorf("json %d: no error", i)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("json %d: error shows a secret: %v", i, err)
		}
	}
}

// TestSeveralErrors checks that every problem is reported, by line, and errors.As finds the first.
func TestSeveralErrors(t *testing.T) {
	doc := "[servers.b]\ncommand = \"x\"\nmax_sessions = 0\n\n[servers.a]\ncomand = \"x\"\n\n[log]\nlevel = \"loud\"\n"
	_, err := Parse("spine.toml", []byte(doc))
	want := `spine.toml:3: servers.b.max_sessions: must be at least 1, got 0
spine.toml:6: servers.a.comand: unknown key (did you mean "command"?)
spine.toml:9: log.level: unknown log level "loud" (want debug, info, warn, error)`
	if err == nil || err.Error() != want {
		t.Fatalf("Parse error\n got %v\nwant %s", err, want)
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 3 || ce.Key != "servers.b.max_sessions" {
		t.Errorf("errors.As = %+v", ce)
	}
}

func TestConfigErrorFormat(t *testing.T) {
	tests := []struct {
		err  ConfigError
		want string
	}{
		{ConfigError{File: "spine.toml", Line: 12, Key: "servers.demo.comand", Msg: "unknown key"}, "spine.toml:12: servers.demo.comand: unknown key"},
		{ConfigError{File: "spine.toml", Key: "log", Msg: "m"}, "spine.toml: log: m"},
		{ConfigError{File: "spine.toml", Line: 3, Msg: "m"}, "spine.toml:3: m"},
		{ConfigError{Key: "defaults.retries", Msg: "m"}, "defaults.retries: m"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	valid := []string{"command", "args", "max_sessions", "max_inflight", "health_interval", "health_methods"}
	tests := map[string]string{
		"comand": "command", "Command": "command", "arg": "args", "max_session": "max_sessions",
		"health": "health_methods", "maxinflight": "max_inflight", "zzz": "", "x": "", "argsuments": "args",
	}
	for in, want := range tests {
		if got := suggest(in, valid, nil); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
