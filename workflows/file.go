package workflows

import (
	"fmt"
	"io"
	"os"
)

// MaxFileSize is the most bytes a workflow file may hold: 4 MiB. ReadFile reads no more than
// this (and one byte to tell), whatever the file is, so that a huge file or one that never
// ends, such as /dev/zero or a pipe that keeps writing, fails at once instead of filling
// memory; Parse rejects data above it too.
const MaxFileSize = 4 << 20

// ReadFile reads the workflow file name, for Parse (and for capability.Project.MergeTOML,
// which reads its [servers.*] tables). It reads at most MaxFileSize bytes: a longer file is an
// *Error that names the file and the bound ("big.toml: larger than 4 MiB, the most a workflow
// file may hold"). Errors opening or reading the file are returned as the os package gives
// them.
func ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(name)
	}
	return data, nil
}

// tooLarge is the error for a workflow file of more than MaxFileSize bytes.
func tooLarge(name string) *Error {
	return &Error{File: name, Msg: fmt.Sprintf("larger than %s, the most a workflow file may hold", sizeText(MaxFileSize))}
}

// sizeText writes a bound in bytes the way messages and docs do: "4 MiB", "1 MiB", "512 KiB".
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
