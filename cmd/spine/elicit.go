package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// What `spine call` and `spine run` answer when a server asks the user something in the middle
// of a call (elicitation): on a terminal, a form on stderr, answered on stdin; otherwise they
// decline, so that a script never hangs on a question nobody sees. With --roots, servers are
// offered the project directory as their root.

// clientFlags are the flags of the commands that call tools about what servers may ask.
type clientFlags struct {
	roots bool
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.roots, "roots", false, "offer servers the project directory as their root (roots capability)")
}

// options returns the executor options of what servers may ask: the elicitation handler
// (the terminal's form, or declining), and the project directory as root with --roots.
func (c *clientFlags) options(e *env, projectDir string) []executor.Option {
	form := &terminalForm{in: bufio.NewReader(os.Stdin), out: e.stderr}
	interactive := isTerminal(os.Stdin) && isTerminal(e.stderr)
	opts := []executor.Option{executor.WithElicitationHandler(func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		if !interactive {
			fmt.Fprintf(e.stderr, "spine: a server asked a question, declined (no terminal to ask it on): %s\n", oneLine(req.Params.Message))
			return &mcp.ElicitResult{Action: "decline"}, nil
		}
		return form.ask(req.Params)
	})}
	if c.roots {
		dir, err := filepath.Abs(projectDir)
		if err == nil {
			u := url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}
			opts = append(opts, executor.WithRoots(&mcp.Root{URI: u.String(), Name: filepath.Base(dir)}))
		}
	}
	return opts
}

// terminalForm asks the fields of an elicitation one by one. Questions of parallel calls take
// turns.
type terminalForm struct {
	mu  sync.Mutex
	in  *bufio.Reader
	out io.Writer
}

// maxTries is how many times a field is asked again after an answer of the wrong type.
const maxTries = 3

func (f *terminalForm) ask(p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fmt.Fprintf(f.out, "\n%s\n", oneLine(p.Message)) // a server's words, kept from steering the terminal
	if p.Mode == "url" {
		fmt.Fprintf(f.out, "Open %s, then press Enter (or type n to decline): ", oneLine(p.URL))
		line, err := f.line()
		if err != nil {
			return &mcp.ElicitResult{Action: "cancel"}, nil
		}
		if strings.EqualFold(line, "n") {
			return &mcp.ElicitResult{Action: "decline"}, nil
		}
		return &mcp.ElicitResult{Action: "accept"}, nil
	}
	fmt.Fprintln(f.out, "(an empty answer to a required field declines; Ctrl-D cancels)")
	content := map[string]any{}
	schema := schemaOf(p.RequestedSchema)
	for _, name := range fieldOrder(schema) {
		prop := schema.Properties[name]
		required := slices.Contains(schema.Required, name)
		for try := 1; ; try++ {
			fmt.Fprintf(f.out, "%s: ", fieldPrompt(name, prop, required))
			line, err := f.line()
			if err != nil {
				return &mcp.ElicitResult{Action: "cancel"}, nil
			}
			if line == "" {
				if required {
					return &mcp.ElicitResult{Action: "decline"}, nil
				}
				break
			}
			v, err := fieldValue(prop, line)
			if err == nil {
				content[name] = v
				break
			}
			fmt.Fprintf(f.out, "  %v\n", err)
			if try == maxTries {
				return &mcp.ElicitResult{Action: "decline"}, nil
			}
		}
	}
	return &mcp.ElicitResult{Action: "accept", Content: content}, nil
}

func (f *terminalForm) line() (string, error) {
	s, err := f.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// schemaOf reads a requested schema, which go-sdk hands over as it was decoded (a map) or as
// the server built it; a schema that cannot be read has no fields.
func schemaOf(v any) *jsonschema.Schema {
	var s jsonschema.Schema
	if b, err := json.Marshal(v); err == nil && json.Unmarshal(b, &s) == nil {
		return &s
	}
	return &jsonschema.Schema{}
}

// fieldOrder lists a form's fields: required ones first, each group by name.
func fieldOrder(s *jsonschema.Schema) []string {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		ra, rb := slices.Contains(s.Required, a), slices.Contains(s.Required, b)
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

func fieldPrompt(name string, p *jsonschema.Schema, required bool) string {
	var b strings.Builder
	b.WriteString(name)
	if p == nil {
		return b.String()
	}
	var what []string
	if p.Type != "" {
		what = append(what, p.Type)
	}
	if choices := enumOf(p); len(choices) > 0 {
		what = append(what, "one of "+strings.Join(choices, ", "))
	}
	if !required {
		what = append(what, "optional")
	}
	if len(what) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(what, "; "))
	}
	if d := oneLine(p.Description); d != "" {
		fmt.Fprintf(&b, " — %s", d)
	}
	return b.String()
}

func enumOf(p *jsonschema.Schema) []string {
	var out []string
	for _, v := range p.Enum {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// fieldValue types an answer as its field's schema says.
func fieldValue(p *jsonschema.Schema, s string) (any, error) {
	if p == nil {
		return s, nil
	}
	if choices := enumOf(p); len(choices) > 0 && !slices.Contains(choices, s) {
		return nil, fmt.Errorf("want one of %s", strings.Join(choices, ", "))
	}
	switch p.Type {
	case "integer":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want a whole number")
		}
		return n, nil
	case "number":
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("want a number")
		}
		return x, nil
	case "boolean":
		switch strings.ToLower(s) {
		case "y", "yes", "true":
			return true, nil
		case "n", "no", "false":
			return false, nil
		}
		return nil, fmt.Errorf("want yes or no")
	}
	return s, nil
}

// oneLine keeps what a server wrote on one line of a terminal.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
}
