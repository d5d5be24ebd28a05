// Command spine runs MCP tool calls, workflows and self-descriptions over warm, pooled,
// supervised sessions to the servers of a project (spine.toml and/or .mcp.json).
//
//	spine call demo echo text=hi           one tool call
//	spine run examples/fanout.toml         a workflow of calls, reads and prompts
//	spine describe --server demo           the 4-layer self-description of a server
//	spine servers                          start every server and report
//
// The command is thin: it parses flags, loads the project (package capability), runs the
// work through an executor (package executor) and formats results. stdout carries results
// only, stderr errors, logs and progress. Exit codes: 0 success; 1 a call, step or server
// failed; 2 bad usage, config or workflow, an unknown server or tool, no servers configured
// (nothing was run); 130 interrupted.
package main
