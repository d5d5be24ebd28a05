package describe

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// demoUpstream is the demo server as spine.toml starts it.
var demoUpstream = Upstream{Command: "spine", Args: []string{"demo-server"}, Env: []string{"DEMO_GREETING"}}

func scaffold(t *testing.T, cfg Config, opts ScaffoldOptions) Scaffold {
	t.Helper()
	s, err := NewScaffold(generate(t, cfg), opts)
	if err != nil {
		t.Fatalf("NewScaffold: %v", err)
	}
	return s
}

// The scaffold of the demo server, file by file (testdata/scaffold/demo/).
func TestScaffoldGolden(t *testing.T) {
	s := scaffold(t, demoConfig(), ScaffoldOptions{Upstream: demoUpstream})
	var paths []string
	for _, f := range s.Files {
		paths = append(paths, f.Path)
		golden(t, filepath.Join("scaffold", "demo", filepath.FromSlash(f.Path)+".golden"), []byte(f.Content))
	}
	golden(t, filepath.Join("scaffold", "demo.files.golden"), []byte(strings.Join(paths, "\n")+"\n"))
	if s.Module != "demo-described" || s.Generator != ScaffoldGenerator {
		t.Errorf("module %q, generator %q", s.Module, s.Generator)
	}
}

func TestScaffoldDeterministic(t *testing.T) {
	a := scaffold(t, demoConfig(), ScaffoldOptions{Upstream: demoUpstream})
	shuffled := demoConfig()
	shuffled.Tools[0], shuffled.Tools[len(shuffled.Tools)-1] = shuffled.Tools[len(shuffled.Tools)-1], shuffled.Tools[0]
	b := scaffold(t, shuffled, ScaffoldOptions{Upstream: Upstream{Command: "spine", Args: []string{"demo-server"}, Env: []string{"DEMO_GREETING", "DEMO_GREETING"}}})
	if len(a.Files) != len(b.Files) {
		t.Fatalf("%d files, then %d", len(a.Files), len(b.Files))
	}
	for i := range a.Files {
		if a.Files[i] != b.Files[i] {
			t.Errorf("%s differs between runs:\n%s", a.Files[i].Path, firstDiff(a.Files[i].Content, b.Files[i].Content))
		}
	}
}

// The description files are WriteDir's, byte for byte.
func TestScaffoldServesTheDescription(t *testing.T) {
	r := generate(t, demoConfig())
	s, err := NewScaffold(r, ScaffoldOptions{Upstream: demoUpstream})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		want, err := os.ReadFile(filepath.Join(dir, "demo", name))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.File("description/" + name); got != string(want) {
			t.Errorf("description/%s differs from what WriteDir writes", name)
		}
	}
}

// go.mod pins the SDK SPINE builds with, and go.sum has SPINE's own sums.
func TestScaffoldPinsSPINEsSDK(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(SDKModule+" "+SDKVersion) + `\s*$`).Match(gomod) {
		t.Errorf("SPINE's go.mod does not require %s %s: update SDKVersion and the scaffold's sums", SDKModule, SDKVersion)
	}
	gosum, err := os.ReadFile("../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(scaffoldSums), "\n") {
		if !strings.Contains(string(gosum), line+"\n") {
			t.Errorf("go.sum line not in SPINE's go.sum: %s", line)
		}
	}
	for _, dep := range scaffoldIndirect {
		if !strings.Contains(string(gomod), dep) {
			t.Errorf("indirect %s is not the version SPINE's go.mod has", dep)
		}
	}
}

func TestScaffoldRefuses(t *testing.T) {
	r := generate(t, demoConfig())
	for name, opts := range map[string]ScaffoldOptions{
		"no upstream": {},
		"both":        {Upstream: Upstream{Command: "x", URL: "http://x"}},
	} {
		if _, err := NewScaffold(r, opts); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
	odd := demoConfig()
	odd.Server = "de mo:x"
	if _, err := NewScaffold(generate(t, odd), ScaffoldOptions{Upstream: demoUpstream}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a server name that can't start a URI: err = %v", err)
	}
	broken := r
	broken.Instructions = ""
	if _, err := NewScaffold(broken, ScaffoldOptions{Upstream: demoUpstream}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a result without L0: err = %v", err)
	}
}

func TestScaffoldModulePath(t *testing.T) {
	for in, want := range map[string]string{"demo": "demo-described", "My Server!": "my-server-described", "../..": "server-described", "a.b_c": "a.b_c-described"} {
		if got := modulePath(in); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteScaffold(t *testing.T) {
	s := scaffold(t, demoConfig(), ScaffoldOptions{Upstream: demoUpstream})
	dir := filepath.Join(t.TempDir(), "demo")
	wrote, err := WriteScaffold(dir, s, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrote) != len(s.Files)+1 {
		t.Errorf("wrote %d files, want %d and the manifest", len(wrote), len(s.Files))
	}
	for _, f := range s.Files {
		data, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil || string(data) != f.Content {
			t.Errorf("%s: %v, or the content differs", f.Path, err)
		}
	}

	// Again: refused without force.
	if _, err := WriteScaffold(dir, s, false); !errors.Is(err, ErrScaffoldExists) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second write: err = %v, want ErrScaffoldExists naming --force", err)
	}

	// With force: the user's own files stay, generated ones are replaced,
	// and ones the new scaffold lacks go.
	mine := filepath.Join(dir, "notes.txt")
	writeTestFile(t, mine, "mine")
	writeTestFile(t, filepath.Join(dir, "main.go"), "edited")
	smaller := s
	smaller.Files = nil
	for _, f := range s.Files {
		if f.Path != "server_test.go" {
			smaller.Files = append(smaller.Files, f)
		}
	}
	if _, err := WriteScaffold(dir, smaller, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(mine); string(data) != "mine" {
		t.Error("a file that was not generated was touched")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "main.go")); string(data) == "edited" {
		t.Error("a generated file was not regenerated")
	}
	if _, err := os.Stat(filepath.Join(dir, "server_test.go")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file the scaffold no longer has is left: %v", err)
	}

	// A file in the way that was not generated: refused, even with force.
	writeTestFile(t, filepath.Join(dir, "server_test.go"), "mine too")
	if _, err := WriteScaffold(dir, s, true); !errors.Is(err, ErrScaffoldExists) {
		t.Errorf("a foreign file in the way: err = %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "server_test.go")); string(data) != "mine too" {
		t.Error("a file that was not generated was overwritten")
	}

	// A directory with other things and no manifest: refused, even with force.
	other := t.TempDir()
	writeTestFile(t, filepath.Join(other, "go.mod"), "module mine\n")
	if _, err := WriteScaffold(other, s, true); !errors.Is(err, ErrScaffoldExists) {
		t.Errorf("a foreign directory: err = %v", err)
	}
}

func TestWriteScaffoldRefusesBadPaths(t *testing.T) {
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", ScaffoldManifest, `a\b`, "c:x", "a\nb"} {
		s := Scaffold{Server: "x", Files: []File{{Path: p, Content: "x"}}}
		if _, err := WriteScaffold(t.TempDir(), s, false); err == nil {
			t.Errorf("path %q was written", p)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// An HTTP upstream: its transport and header names are kept, never a value.
func TestScaffoldHTTPUpstream(t *testing.T) {
	s := scaffold(t, demoConfig(), ScaffoldOptions{Upstream: Upstream{URL: "https://example.com/sse", Transport: "sse", Headers: []string{"X-Api-Key", "Authorization"}}})
	server, _ := s.File("description/server.json")
	for _, want := range []string{`"url": "https://example.com/sse"`, `"transport": "sse"`, `"headers": [
      "Authorization",
      "X-Api-Key"
    ]`} {
		if !strings.Contains(server, want) {
			t.Errorf("server.json lacks %s:\n%s", want, server)
		}
	}
	readme, _ := s.File("README.md")
	for _, want := range []string{"(HTTP+SSE)", "`UPSTREAM_HEADER_AUTHORIZATION`, `UPSTREAM_HEADER_X_API_KEY`"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %s", want)
		}
	}
	if _, err := NewScaffold(generate(t, demoConfig()), ScaffoldOptions{Upstream: Upstream{URL: "http://x", Transport: "ws"}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("an unknown transport: err = %v", err)
	}
}
