package thirdparty

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestMain(m *testing.M) { spinetest.Main(m) }

// The pinned servers, by package name under @modelcontextprotocol/ (see package.json).
const (
	everything = "server-everything"
	memory     = "server-memory"
	filesystem = "server-filesystem"
	tsServer2  = "server" // the TypeScript SDK v2 server library, which tsserver2.mjs serves with
)

// testTimeout bounds each test's calls. A Node server starts in well under a second, npx
// adds a few hundred milliseconds; the bound is far below go test's own timeout, so that a
// hang fails with a useful message.
const testTimeout = 60 * time.Second

var (
	installOnce sync.Once
	installDir  string // absolute path of integration/thirdparty
	installErr  string // why the servers can't run here; "" when they can
	mustRun     bool   // CI is set and Node is present: a missing install is a failure
)

// requireServers skips the test when Node.js or the npm install of the pinned servers is
// missing, so that `go test ./...` passes on a machine with only Go. Under CI (the CI
// variable set) with Node present, a missing install fails the test instead, so that CI
// cannot skip these tests silently (CI=false and CI=0 count as unset). It returns the
// directory of package.json.
func requireServers(t testing.TB) string {
	t.Helper()
	installOnce.Do(func() {
		dir, err := filepath.Abs(".")
		if err != nil {
			installErr = err.Error()
			return
		}
		installDir = dir
		for _, tool := range []string{"node", "npx"} {
			if _, err := exec.LookPath(tool); err != nil {
				installErr = fmt.Sprintf("%s is not on PATH: these tests run Node.js MCP servers (install Node.js 20+, then npm ci --prefix integration/thirdparty)", tool)
				return
			}
		}
		ci := strings.ToLower(os.Getenv("CI"))
		mustRun = ci != "" && ci != "false" && ci != "0"
		installErr = checkInstall(dir)
	})
	switch {
	case installErr == "":
		return installDir
	case mustRun:
		t.Fatalf("CI is set: %s", installErr)
	default:
		t.Skip(installErr)
	}
	return ""
}

// checkInstall says what is wrong with the npm install in dir, or "": each pinned server must
// be installed at the version package.json pins (a stale install would test other versions).
func checkInstall(dir string) string {
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err == nil {
		err = json.Unmarshal(data, &manifest)
	}
	if err != nil {
		return fmt.Sprintf("package.json: %v", err)
	}
	for _, pkg := range []string{everything, memory, filesystem, tsServer2} {
		name := "@modelcontextprotocol/" + pkg
		var installed struct {
			Version string `json:"version"`
		}
		data, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
		if err != nil {
			return fmt.Sprintf("%s is not installed in %s: run npm ci --prefix integration/thirdparty", name, filepath.Join(dir, "node_modules"))
		}
		if err := json.Unmarshal(data, &installed); err != nil || installed.Version != manifest.Dependencies[name] {
			return fmt.Sprintf("%s %s is installed, package.json pins %q: run npm ci --prefix integration/thirdparty",
				name, installed.Version, manifest.Dependencies[name])
		}
	}
	return ""
}

// entry returns the absolute path of the script a package's "bin" names: what npx runs.
func entry(t testing.TB, pkg string) string {
	t.Helper()
	dir := filepath.Join(requireServers(t), "node_modules", "@modelcontextprotocol", pkg)
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Bin json.RawMessage `json:"bin"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("%s/package.json: %v", pkg, err)
	}
	var bin string
	if json.Unmarshal(manifest.Bin, &bin) != nil { // "bin": {"name": "path"}
		var bins map[string]string
		if err := json.Unmarshal(manifest.Bin, &bins); err != nil || len(bins) != 1 {
			t.Fatalf("%s/package.json: want one bin entry, got %s", pkg, manifest.Bin)
		}
		for _, b := range bins {
			bin = b
		}
	}
	return filepath.Join(dir, bin)
}

// launch says how a test starts a server: the way SPINE users do, by either route.
type launch string

const (
	direct launch = "node" // node .../dist/index.js
	viaNPX launch = "npx"  // npx -y @modelcontextprotocol/PKG, as .mcp.json files name them
)

var launches = []launch{direct, viaNPX}

// serverSpec returns a stdio server named name that runs pkg with args, started the way l
// says. The npx route runs in integration/thirdparty, where npx finds the pinned install
// without the network.
func serverSpec(t testing.TB, l launch, name, pkg string, args ...string) capability.ServerSpec {
	t.Helper()
	dir := requireServers(t)
	s := capability.ServerSpec{
		Name:      name,
		Transport: capability.TransportStdio,
		Cwd:       dir,
		Enabled:   true,
		Policy:    capability.DefaultPolicy(),
	}
	s.CallTimeout = testTimeout
	switch l {
	case direct:
		s.Command, s.Args = "node", append([]string{entry(t, pkg)}, args...)
	case viaNPX:
		s.Command, s.Args = "npx", append([]string{"-y", "@modelcontextprotocol/" + pkg}, args...)
	default:
		t.Fatalf("unknown launch %q", l)
	}
	return s
}

// start returns an executor for servers that is closed when the test ends, checking then that
// no goroutine and no process of the servers' trees is left behind.
func start(t *testing.T, servers ...capability.ServerSpec) *executor.Executor {
	t.Helper()
	spinetest.NoLeaks(t)
	return startProject(t, spinetest.Project(servers...))
}

// startProject returns an executor for project that is closed when the test ends, checking
// then that every process of the servers' trees has exited. The caller checks goroutines
// with spinetest.NoLeaks, before it starts anything else the test stops in a cleanup.
func startProject(t *testing.T, project *capability.Project, opts ...executor.Option) *executor.Executor {
	t.Helper()
	var tree []proc
	t.Cleanup(func() { waitGone(t, tree, spinetest.Patience) }) // runs after Close, below
	ex, err := executor.New(project, opts...)
	if err != nil {
		t.Fatalf("executor.New: %v", err)
	}
	t.Cleanup(func() {
		tree = serverTrees()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := ex.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ex
}

// testContext bounds a test's calls.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// call calls tool and fails the test on an error or a result with IsError.
func call(ctx context.Context, t *testing.T, ex *executor.Executor, server, tool string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := ex.CallTool(ctx, server, tool, args)
	if err != nil {
		t.Fatalf("%s %s: %v", server, tool, err)
	}
	if res.IsError {
		t.Fatalf("%s %s: tool error: %s", server, tool, text(res))
	}
	return res
}

// text joins the text contents of a tool result.
func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// structured decodes a result's structured content into v.
func structured(t *testing.T, res *mcp.CallToolResult, v any) {
	t.Helper()
	if res.StructuredContent == nil {
		t.Fatalf("no structured content in %s", text(res))
	}
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("structured content %s: %v", data, err)
	}
}

func toolNames(tools []*mcp.Tool) []string {
	names := make([]string, len(tools))
	for i, tool := range tools {
		names[i] = tool.Name
	}
	return names
}
