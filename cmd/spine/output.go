package main

import (
	"encoding/json"
	"flag"
	"io"
	"strings"
)

// outputFlag registers --output with the formats a command supports (the first is default).
func outputFlag(fs *flag.FlagSet, target *string, formats ...string) {
	*target = formats[0]
	fs.StringVar(target, "output", formats[0], strings.Join(formats, " | "))
}

func checkOutput(value string, formats ...string) error {
	for _, f := range formats {
		if value == f {
			return nil
		}
	}
	return badUsage("--output %q: want one of %s", value, strings.Join(formats, ", "))
}

// writeJSON prints v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// firstLine shortens a description to its first line for tables.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
