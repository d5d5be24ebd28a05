package thirdparty

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilesystem writes, reads and lists files inside the filesystem server's allowed
// directory, and checks that the caller sees a failure, not a success, for paths outside it.
func TestFilesystem(t *testing.T) {
	requireServers(t)
	for _, l := range launches {
		t.Run(string(l), func(t *testing.T) {
			allowed, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			outside := t.TempDir()
			secret := filepath.Join(outside, "secret.txt")
			if err := os.WriteFile(secret, []byte("not for the server"), 0o600); err != nil {
				t.Fatal(err)
			}
			escape, err := filepath.Rel(allowed, secret) // ../…/secret.txt
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(secret, filepath.Join(allowed, "link.txt")); err != nil {
				t.Fatal(err)
			}
			ex := start(t, serverSpec(t, l, "fs", filesystem, allowed))
			ctx := testContext(t)

			note := filepath.Join(allowed, "notes", "hello.txt")
			call(ctx, t, ex, "fs", "create_directory", map[string]any{"path": filepath.Dir(note)})
			call(ctx, t, ex, "fs", "write_file", map[string]any{"path": note, "content": "written through spine\n"})
			if data, err := os.ReadFile(note); err != nil || string(data) != "written through spine\n" {
				t.Errorf("file on disk = %q, %v; want what write_file wrote", data, err)
			}
			if got := text(call(ctx, t, ex, "fs", "read_text_file", map[string]any{"path": note})); got != "written through spine\n" {
				t.Errorf("read_text_file = %q", got)
			}
			if got := text(call(ctx, t, ex, "fs", "list_directory", map[string]any{"path": filepath.Dir(note)})); !strings.Contains(got, "[FILE] hello.txt") {
				t.Errorf("list_directory = %q, want hello.txt listed", got)
			}

			for _, c := range []struct {
				tool string
				args map[string]any
			}{
				{"read_text_file", map[string]any{"path": secret}},
				{"read_text_file", map[string]any{"path": allowed + string(filepath.Separator) + escape}}, // not cleaned
				{"read_text_file", map[string]any{"path": escape}},                                        // relative
				{"write_file", map[string]any{"path": filepath.Join(outside, "planted.txt"), "content": "x"}},
				{"list_directory", map[string]any{"path": outside}},
				{"read_text_file", map[string]any{"path": filepath.Join(allowed, "link.txt")}}, // a symlink out
			} {
				res, err := ex.CallTool(ctx, "fs", c.tool, c.args)
				var msg string
				switch {
				case err != nil:
					msg = err.Error()
				case !res.IsError:
					t.Errorf("%s %v outside the allowed directory succeeded: %q", c.tool, c.args, text(res))
					continue
				default:
					msg = text(res)
				}
				if !strings.Contains(msg, "Access denied") || strings.Contains(msg, "not for the server") {
					t.Errorf("%s %v failed with %q, want access denied without the file's content", c.tool, c.args, msg)
				}
			}
			if _, err := os.Stat(filepath.Join(outside, "planted.txt")); err == nil {
				t.Error("write_file outside the allowed directory created the file")
			}
		})
	}
}
