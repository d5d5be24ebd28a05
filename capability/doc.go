// Package capability says what a project can reach: the MCP servers it configures, how to
// reach each one and the pool policy each runs under.
//
// A project is configured by spine.toml (the format of the README's "Configuration") and by a .mcp.json
// beside it (the mcpServers format of Claude Code, Claude Desktop and Cursor). Load reads
// both from a directory, LoadFile from an explicit file; Parse and ParseMCPJSON read bytes
// without touching the disk. The result is a Project: the log, defaults and describe
// settings and one ServerSpec per server, in config order (spine.toml's, then the servers only
// .mcp.json names). On a name in both files, spine.toml wins.
//
// A ServerSpec is resolved: its Transport is inferred (command → stdio, url → http unless
// transport = "sse"), its Cwd is absolute, ${VAR} and ${VAR:-default} are expanded from the
// environment, and its Policy is DefaultPolicy overridden by [defaults], then by the server's
// own keys. Codex's startup_timeout_sec and tool_timeout_sec are read as connect_timeout and
// call_timeout.
//
// A stdio server inherits only BaseEnv from SPINE's environment, plus the variables its
// env_vars key names (Codex's key), then its env; inherit_env = true gives it everything.
// ServerSpec.Environ computes that environment. .mcp.json entries take env_vars and
// inherit_env too, spelled the same way.
//
// Every problem in a file is a *ConfigError naming the file, the line and the key, with a
// "did you mean" for a misspelt key; several are joined with errors.Join. Messages never show
// the values of env, headers or url, which hold secrets.
//
// A workflow file may carry its own [servers.NAME] tables: Project.MergeTOML merges them over
// the project's servers key by key, and returns a new Project.
//
//	project, err := capability.Load(".")
//	if err != nil {
//		return err // e.g. spine.toml:12: servers.demo.comand: unknown key (did you mean "command"?)
//	}
//	demo, ok := project.Server("demo")
//	if ok && demo.Enabled {
//		fmt.Println(demo.Transport, demo.Command, demo.Args, demo.MaxSessions)
//	}
package capability
