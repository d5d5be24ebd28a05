package integration

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/spine-mcp/spine/"

// goPackage is what `go list -json` says of one package that this test needs.
type goPackage struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
	Deps                               []string
}

// listPackages lists every package of the module, with module paths made relative
// ("executor", "actors", ...).
func listPackages(t *testing.T) map[string]*goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports,Deps", "./...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	rel := func(paths []string) []string {
		for i, p := range paths {
			paths[i] = strings.TrimPrefix(p, module)
		}
		return paths
	}
	pkgs := map[string]*goPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		rel(p.Imports)
		rel(p.TestImports)
		rel(p.XTestImports)
		rel(p.Deps)
		pkgs[p.ImportPath] = &p
	}
	for _, want := range []string{"cmd/spine", "executor", "actors", "capability", "workflows", "describe"} {
		if pkgs[want] == nil {
			t.Fatalf("go list found no package %s", want)
		}
	}
	return pkgs
}

// mechanism reports whether p is the actor system: actors and its internal sub-packages.
func mechanism(p string) bool { return p == "actors" || strings.HasPrefix(p, "actors/") }

// clusterPkg reports whether p is package cluster (or its wire messages): the other user of
// protoactor, for its remote alone — nodes exchange messages, no actor of the runtime.
func clusterPkg(p string) bool { return p == "cluster" || strings.HasPrefix(p, "cluster/") }

// TestImportsFlowOneWay: cmd/spine → executor → actors → {capability, workflows, describe}.
// The actor system (protoactor) is imported by package actors (and, for its remote, by
// package cluster, which sits beside the gateway and knows nothing of the runtime); the CLI reaches the
// actors only through the executor; the lower packages know nothing of the higher ones; and
// the executor's public tests and examples use no internal package.
func TestImportsFlowOneWay(t *testing.T) {
	pkgs := listPackages(t)
	for _, p := range pkgs {
		for _, imports := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
			for _, imp := range imports {
				if strings.HasPrefix(imp, "github.com/asynkron/protoactor-go") && !mechanism(p.ImportPath) && !clusterPkg(p.ImportPath) {
					t.Errorf("%s imports %s: only actors (and cluster, for remote) may use the actor system", p.ImportPath, imp)
				}
				if mechanism(imp) && !mechanism(p.ImportPath) && !(p.ImportPath == "executor" && !slices.Contains(p.XTestImports, imp)) {
					t.Errorf("%s imports %s: only the executor uses actors (and not in its public tests and examples)", p.ImportPath, imp)
				}
				if imp == "cmd/spine" {
					t.Errorf("%s imports cmd/spine", p.ImportPath)
				}
			}
		}
	}
	if !slices.Contains(pkgs["executor"].Imports, "actors") || !slices.Contains(pkgs["cmd/spine"].Imports, "executor") {
		t.Error("the layers are gone: executor does not import actors, or cmd/spine not executor")
	}

	// Without the executor, nothing the CLI imports leads to the actors.
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		if seen[p] || p == "executor" || pkgs[p] == nil {
			return
		}
		seen[p] = true
		if mechanism(p) {
			t.Errorf("cmd/spine reaches %s without going through the executor", p)
			return
		}
		for _, imp := range pkgs[p].Imports {
			walk(imp)
		}
	}
	walk("cmd/spine")

	above := map[string][]string{
		"actors":              {"executor", "cmd/spine"},
		"executor":            {"cmd/spine"},
		"capability":          {"actors", "executor", "cmd/spine", "workflows", "describe"},
		"workflows":           {"actors", "executor", "cmd/spine", "describe"},
		"workflows/journal":   {"actors", "executor", "cmd/spine", "describe"},
		"describe":            {"actors", "executor", "cmd/spine", "workflows"},
		"internal/demoserver": {"actors", "executor", "cmd/spine"},
		"cluster":             {"actors", "executor", "gateway", "cmd/spine"},
	}
	for p, forbidden := range above {
		if pkgs[p] == nil {
			t.Errorf("no package %s", p)
			continue
		}
		for _, dep := range pkgs[p].Deps {
			if slices.Contains(forbidden, dep) {
				t.Errorf("%s depends on %s, which sits above it", p, dep)
			}
		}
	}
}

// TestExecutorSpeaksItsOwnTypes: no exported name of package executor — a function's or
// method's signature, a type, an exported field, a var's or const's declared type — mentions
// a type of package actors: the executor converts at its boundary.
func TestExecutorSpeaksItsOwnTypes(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "executor")
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		internal := map[string]bool{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if mechanism(strings.TrimPrefix(p, module)) && strings.HasPrefix(p, module) || strings.HasPrefix(p, "github.com/asynkron/") {
				name := filepath.Base(p)
				if imp.Name != nil {
					name = imp.Name.Name
				}
				internal[name] = true
			}
		}
		leaks := func(what string, node ast.Node) {
			ast.Inspect(node, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && internal[id.Name] {
						t.Errorf("%s: %s mentions %s.%s", fset.Position(sel.Pos()), what, id.Name, sel.Sel.Name)
					}
				}
				return true
			})
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || d.Recv != nil && !exportedReceiver(d.Recv) {
					continue
				}
				checked++
				leaks("func "+d.Name.Name, d.Type)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						checked++
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, field := range st.Fields.List {
								if len(field.Names) == 0 || slices.ContainsFunc(field.Names, (*ast.Ident).IsExported) {
									leaks("type "+s.Name.Name, field.Type)
								}
							}
							continue
						}
						leaks("type "+s.Name.Name, s.Type)
					case *ast.ValueSpec:
						if slices.ContainsFunc(s.Names, (*ast.Ident).IsExported) && s.Type != nil {
							checked++
							leaks("var "+s.Names[0].Name, s.Type)
						}
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d exported names of package executor: the test lost its way", checked)
	}
}

func exportedReceiver(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if idx, ok := typ.(*ast.IndexExpr); ok {
		typ = idx.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}

// TestExamplesAreCopyable: the Example functions of the public packages import nothing a
// program outside this module could not (no internal package, not the actors), so that they
// can be copied as they are.
func TestExamplesAreCopyable(t *testing.T) {
	root := repoRoot(t)
	examples := 0
	for _, pkg := range []string{"executor", "capability", "workflows", "describe"} {
		paths, err := filepath.Glob(filepath.Join(root, pkg, "*_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			has := slices.ContainsFunc(f.Decls, func(d ast.Decl) bool {
				fn, ok := d.(*ast.FuncDecl)
				return ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example")
			})
			if !has {
				continue
			}
			examples++
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if rel := strings.TrimPrefix(p, module); rel != p && (strings.HasPrefix(rel, "internal/") || mechanism(rel)) {
					t.Errorf("%s: an example file imports %s, which a program outside the module cannot", filepath.Base(path), p)
				}
			}
		}
	}
	if examples < 5 {
		t.Fatalf("found %d example files: the test lost its way", examples)
	}
}
