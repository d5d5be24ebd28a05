package describe

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ScaffoldManifest is the file WriteScaffold keeps in a scaffold's
// directory: what it generated, so that regenerating replaces exactly that.
const ScaffoldManifest = ".spine-scaffold.json"

// ErrScaffoldExists is wrapped by WriteScaffold's refusals: a directory
// that is not empty without force, or a file there it did not generate.
var ErrScaffoldExists = errors.New("scaffold directory in use")

// manifest is the content of ScaffoldManifest.
type manifest struct {
	Generator string          `json:"generator"`
	Server    string          `json:"server"`
	Module    string          `json:"module"`
	Files     []manifestEntry `json:"files"`
}

type manifestEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// WriteScaffold writes s into dir, made if missing, and a manifest of what
// it wrote. It refuses a dir that is not empty unless force is set; with
// force it replaces the files of the earlier scaffold's manifest, removes
// those s no longer has, and refuses if any file of s is there without
// having been generated. Files it did not generate are never touched. It
// returns the paths it wrote, in order.
func WriteScaffold(dir string, s Scaffold, force bool) ([]string, error) {
	if err := checkScaffoldFiles(s.Files); err != nil {
		return nil, err
	}
	old, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case len(entries) > 0 && old == nil:
		return nil, fmt.Errorf("%w: %s is not empty and holds no scaffold (no %s): choose an empty or new directory", ErrScaffoldExists, dir, ScaffoldManifest)
	case len(entries) > 0 && !force:
		return nil, fmt.Errorf("%w: %s holds a scaffold of %q: add --force to regenerate it", ErrScaffoldExists, dir, old.Server)
	}
	generated := map[string]bool{}
	if old != nil {
		for _, e := range old.Files {
			generated[e.Path] = true
		}
	}
	for _, f := range s.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if _, err := os.Lstat(p); err == nil && !generated[f.Path] {
			return nil, fmt.Errorf("%w: %s was not generated (it is not in %s); move it away to regenerate", ErrScaffoldExists, p, ScaffoldManifest)
		}
	}

	m := manifest{Generator: s.Generator, Server: s.Server, Module: s.Module}
	var wrote []string
	for _, f := range s.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return wrote, err
		}
		if err := os.WriteFile(p, []byte(f.Content), 0o644); err != nil {
			return wrote, err
		}
		wrote = append(wrote, p)
		sum := sha256.Sum256([]byte(f.Content))
		m.Files = append(m.Files, manifestEntry{Path: f.Path, SHA256: hex.EncodeToString(sum[:])})
	}
	if old != nil {
		for _, e := range old.Files {
			if _, still := s.File(e.Path); !still && safePath(e.Path) {
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(e.Path))); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return wrote, err
				}
			}
		}
	}
	data, err := encodeJSON(m, true)
	if err != nil {
		return wrote, err
	}
	p := filepath.Join(dir, ScaffoldManifest)
	if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
		return wrote, err
	}
	return append(wrote, p), nil
}

// readManifest reads dir's manifest; nil when there is none.
func readManifest(dir string) (*manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ScaffoldManifest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v (remove it only if the directory holds no scaffold)", filepath.Join(dir, ScaffoldManifest), err)
	}
	return &m, nil
}

// checkScaffoldFiles reports the first file that can't be written: a path
// that is empty, absolute, not clean, climbs out of the directory, is the
// manifest, or comes twice.
func checkScaffoldFiles(files []File) error {
	if len(files) == 0 {
		return errors.New("scaffold: no files")
	}
	seen := map[string]bool{}
	for _, f := range files {
		if !safePath(f.Path) || f.Path == ScaffoldManifest {
			return fmt.Errorf("scaffold: file path %q can't be written", f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("scaffold: file %q comes twice", f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

// safePath reports whether p is a clean, relative, slash-separated path
// inside the directory, of printable characters.
func safePath(p string) bool {
	if p == "" || p != path.Clean(p) || path.IsAbs(p) || strings.HasPrefix(p, "../") || p == ".." ||
		strings.ContainsAny(p, "\\:") || filepath.IsAbs(p) {
		return false
	}
	return !slices.ContainsFunc([]rune(p), func(r rune) bool { return r < 0x20 || r == 0x7f })
}
