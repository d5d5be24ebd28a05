package workflows

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		path := filepath.Join(dir, name)
		data := []byte(strings.Repeat("#", size))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	small := write("small.toml", 10)
	atBound := write("at.toml", MaxFileSize)
	over := write("over.toml", MaxFileSize+1)
	tests := []struct {
		name    string
		file    string
		size    int    // bytes read, when there is no error
		tooBig  bool   // want the size error
		notHere bool   // want fs.ErrNotExist
		skip    string // skip unless this file exists
	}{
		{name: "small", file: small, size: 10},
		{name: "exactly the bound", file: atBound, size: MaxFileSize},
		{name: "one byte over", file: over, tooBig: true},
		{name: "a device that never ends", file: "/dev/zero", tooBig: true, skip: "/dev/zero"},
		{name: "missing", file: filepath.Join(dir, "missing.toml"), notHere: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				if _, err := os.Stat(tt.skip); err != nil {
					t.Skip(err)
				}
			}
			data, err := ReadFile(tt.file)
			switch {
			case tt.tooBig:
				var e *Error
				want := tt.file + ": larger than 4 MiB, the most a workflow file may hold"
				if !errors.As(err, &e) || e.File != tt.file || err.Error() != want {
					t.Errorf("ReadFile(%s) = %d bytes, %v; want an *Error saying %q", tt.file, len(data), err, want)
				}
			case tt.notHere:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("ReadFile(%s) error = %v, want fs.ErrNotExist", tt.file, err)
				}
			case err != nil:
				t.Errorf("ReadFile(%s): %v", tt.file, err)
			case len(data) != tt.size:
				t.Errorf("ReadFile(%s) read %d bytes, want %d", tt.file, len(data), tt.size)
			}
		})
	}
}

// TestParseTooLarge: Parse holds data to the bound ReadFile reads within, so that a caller
// reading the file by other means gets the same answer.
func TestParseTooLarge(t *testing.T) {
	data := []byte(step + strings.Repeat("#", MaxFileSize))
	_, err := Parse("big.toml", data)
	var e *Error
	if !errors.As(err, &e) || e.File != "big.toml" || e.Error() != "big.toml: larger than 4 MiB, the most a workflow file may hold" {
		t.Errorf("Parse of %d bytes: %v", len(data), err)
	}
	if _, err := Parse("ok.toml", []byte(step+strings.Repeat("#", MaxFileSize-len(step)))); err != nil {
		t.Errorf("Parse of exactly MaxFileSize bytes: %v", err)
	}
}
