package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// The bounds of rendering one template string: a render past one fails with an *Error that
// names the step (or output) and the key, however the template was written, so that a
// runaway template costs a bounded amount of memory and time instead of taking the run, or
// the process, down.
const (
	// MaxTemplateOutput is the most bytes one render of a template string may write: 1 MiB
	// ("template output exceeds 1 MiB"). A string that is one action, such as
	// "{{ .steps.a.json }}", passes its value on without writing it, and is not bounded by
	// it. It is also the longest string one call of print, printf, println, html, js,
	// urlquery or json may return, so that no chain of them grows a value past it.
	MaxTemplateOutput = 1 << 20

	// MaxTemplateIterations is the most loop iterations one render of a template string may
	// make: every iteration of every range, nested ones included, and every {{ template }}
	// call count one (and so does an action that prints nothing, as the count is kept by
	// the writer the render writes to). A loop that goes on past it fails at once, whether
	// or not it writes anything.
	//
	// Parse rejects a range over an integer literal above it ({{ range 2000000000 }}), the
	// one kind of runaway range it can see in the file. Templates range over integers only
	// when given them: integer literals, integer vars from [vars] or --var, and functions
	// such as len; results decoded from JSON hold float64s, which range does not accept.
	// Those fail when rendered, after MaxTemplateIterations iterations.
	MaxTemplateIterations = 100_000
)

// maxComputed bounds the text a template function may build before it can tell whether its
// result is within MaxTemplateOutput: what it is about to format is measured first, generously
// (see measure), and refused beyond this.
const maxComputed = 16 * MaxTemplateOutput

var (
	errOutputTooLarge    = errors.New("template output exceeds " + sizeText(MaxTemplateOutput))
	errTooManyIterations = fmt.Errorf("template loops more than %d times (range iterations and template calls, all told)",
		MaxTemplateIterations)
	errResultTooLarge = errors.New("result exceeds " + sizeText(MaxTemplateOutput) + ", the most a template may produce")
)

// textWriter collects what a template renders as text, within the bounds: it refuses bytes
// past MaxTemplateOutput, and counts empty writes, which is how range iterations and
// template calls show themselves (see bound), up to MaxTemplateIterations. text/template stops
// executing at the first write error and returns it.
type textWriter struct {
	strings.Builder
	iterations int
}

func (w *textWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		if w.iterations++; w.iterations > MaxTemplateIterations {
			return 0, errTooManyIterations
		}
		return 0, nil
	}
	if w.Len()+len(p) > MaxTemplateOutput {
		return 0, errOutputTooLarge
	}
	return w.Builder.Write(p)
}

// bound prepares a parsed template for rendering within the bounds. It rejects a range over
// an integer literal above MaxTemplateIterations, and puts an empty text first in the body
// of every range and, when the template calls templates, of every template it holds: each
// iteration and each call then writes nothing once, which textWriter counts.
func bound(t *template.Template) error {
	var (
		ranges []*parse.RangeNode
		calls  bool
		stack  []parse.Node
	)
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			stack = append(stack, tt.Tree.Root)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				stack = append(stack, n.Nodes...)
			}
		case *parse.IfNode:
			stack = append(stack, n.List, n.ElseList)
		case *parse.WithNode:
			stack = append(stack, n.List, n.ElseList)
		case *parse.RangeNode:
			if err := checkRange(n); err != nil {
				return err
			}
			ranges = append(ranges, n)
			stack = append(stack, n.List, n.ElseList)
		case *parse.TemplateNode:
			calls = true
		}
	}
	for _, r := range ranges {
		if r.List != nil {
			r.List.Nodes = append([]parse.Node{tick(r.Position())}, r.List.Nodes...)
		}
	}
	if calls {
		for _, tt := range t.Templates() {
			if tt.Tree != nil && tt.Tree.Root != nil {
				tt.Tree.Root.Nodes = append([]parse.Node{tick(tt.Tree.Root.Position())}, tt.Tree.Root.Nodes...)
			}
		}
	}
	return nil
}

// tick is the empty text that marks one iteration or one template call.
func tick(pos parse.Pos) *parse.TextNode {
	return &parse.TextNode{NodeType: parse.NodeText, Pos: pos}
}

// checkRange rejects a range over an integer literal above MaxTemplateIterations.
func checkRange(r *parse.RangeNode) error {
	if r.Pipe == nil || len(r.Pipe.Cmds) != 1 || len(r.Pipe.Cmds[0].Args) != 1 {
		return nil
	}
	n, ok := r.Pipe.Cmds[0].Args[0].(*parse.NumberNode)
	if !ok || !(n.IsInt && n.Int64 > MaxTemplateIterations || n.IsUint && n.Uint64 > MaxTemplateIterations) {
		return nil
	}
	return fmt.Errorf("range over %s: a template may loop at most %d times", n.Text, MaxTemplateIterations)
}

// funcs are the functions templates may call besides text/template's built-ins: json, which
// encodes a value as JSON text ("{{ json .steps.a.json }}"), and the built-ins that build
// strings, replaced by the same functions bounded: each returns what the built-in does within
// MaxTemplateOutput, and an error beyond it. What they are given is measured first, so that
// a call that would build a huge string (printf "%01000000d%01000000d…", or print of a large
// value many times over) is refused before it builds it.
var funcs = template.FuncMap{
	"print": func(args ...any) (string, error) {
		if measureAll(args) > maxComputed {
			return "", errResultTooLarge
		}
		return within(fmt.Sprint(args...))
	},
	"println": func(args ...any) (string, error) {
		if measureAll(args) > maxComputed {
			return "", errResultTooLarge
		}
		return within(fmt.Sprintln(args...))
	},
	"printf": func(format string, args ...any) (string, error) {
		if printfSize(format, args) > maxComputed {
			return "", errResultTooLarge
		}
		return within(fmt.Sprintf(format, args...))
	},
	"html":     escaper(template.HTMLEscaper),
	"js":       escaper(template.JSEscaper),
	"urlquery": escaper(template.URLQueryEscaper),
	"json": func(v any) (string, error) {
		if b, l := measure(v, maxComputed); escapeGrowth*(b+2*l) > maxComputed { // quotes, separators
			return "", errResultTooLarge
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		return within(string(b))
	},
}

// escapeGrowth is the most an escaping function lengthens a text: JSON and JavaScript write
// "<" as \u003c, HTML writes a quote as &#34;, and urlquery a byte as %XX.
const escapeGrowth = 6

// escaper bounds one of text/template's escaping functions.
func escaper(escape func(...any) string) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		if escapeGrowth*measureAll(args) > maxComputed {
			return "", errResultTooLarge
		}
		return within(escape(args...))
	}
}

// within returns s, or an error when it is longer than MaxTemplateOutput.
func within(s string) (string, error) {
	if len(s) > MaxTemplateOutput {
		return "", errResultTooLarge
	}
	return s, nil
}

// measureAll is what fmt.Sprint and fmt.Sprintln print of args at most: the sum of measure
// over them, and a space or newline each.
func measureAll(args []any) int {
	total := 0
	for _, a := range args {
		b, _ := measure(a, maxComputed)
		if total += b + 1; total > maxComputed {
			break
		}
	}
	return total
}

// measure estimates the text fmt makes of v with %v. bytes is at least what it prints for
// the plain data templates see (strings count their length, numbers 24 bytes, the longest
// float64, containers their brackets and separators); leaves is the number of values in v,
// containers included, that fmt formats, and pads, one by one. It stops counting once bytes
// is past limit.
func measure(v any, limit int) (bytes, leaves int) {
	m := measurer{limit: limit}
	m.add(v)
	return m.bytes, m.leaves
}

type measurer struct{ bytes, leaves, limit int }

func (m *measurer) add(v any) {
	if m.bytes > m.limit {
		return
	}
	m.leaves++
	switch v := v.(type) {
	case nil:
		m.bytes += len("<nil>")
	case string:
		m.bytes += len(v)
	case bool, int, int64, float64:
		m.bytes += 24
	case []any:
		m.bytes += 2
		for _, e := range v {
			if m.bytes++; m.bytes > m.limit {
				return
			}
			m.add(e)
		}
	case map[string]any:
		m.bytes += len("map[]")
		for k, e := range v {
			if m.bytes += len(k) + 2; m.bytes > m.limit {
				return
			}
			m.leaves++
			m.add(e)
		}
	default:
		m.value(reflect.ValueOf(v))
	}
}

// value measures what add has no case for, by reflection.
func (m *measurer) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		m.bytes += v.Len()
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			m.bytes += 4 * v.Len() // [1 2 3], up to 4 bytes each
			return
		}
		m.bytes += 2
		for i := 0; i < v.Len() && m.bytes <= m.limit; i++ {
			m.bytes++
			m.add(v.Index(i).Interface())
		}
	case reflect.Map:
		m.bytes += len("map[]")
		for it := v.MapRange(); it.Next() && m.bytes <= m.limit; {
			m.bytes += 2
			m.add(it.Key().Interface())
			m.add(it.Value().Interface())
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			m.bytes += len("<nil>")
		} else {
			m.add(v.Elem().Interface())
		}
	case reflect.Struct:
		m.bytes += 512 // time.Time, the one struct in template data, prints in less, even field by field
	default:
		m.bytes += 24
	}
}

// printfSize estimates how long fmt.Sprintf(format, args...) is, as measure does for each
// operand, with the widths and precisions of the verbs, which fmt applies to every value an
// operand holds. It follows fmt's rules for explicit argument indexes ([n]) and * widths; it
// stops counting past maxComputed.
func printfSize(format string, args []any) int {
	size, argNum := len(format), 0
	used := make([]bool, len(args))
	// number reads a width or precision: digits, or * taking the next argument. ok is false
	// for a * whose argument fmt does not take.
	number := func(i int) (n int, ok bool, next int) {
		if i < len(format) && format[i] == '*' {
			size += 16 // %!(BADWIDTH), %!(BADPREC), when fmt does not take the argument
			if argNum < len(args) {
				used[argNum] = true
				n, ok = starValue(args[argNum])
				argNum++
			}
			return n, ok, i + 1
		}
		for ; i < len(format) && '0' <= format[i] && format[i] <= '9'; i++ {
			n = min(n*10+int(format[i]-'0'), maxComputed) // fmt refuses what is past a million
		}
		return n, true, i
	}
	// index reads an explicit argument index, [n], which moves argNum.
	index := func(i int) int {
		if i >= len(format) || format[i] != '[' {
			return i
		}
		end := strings.IndexByte(format[i:], ']')
		if end < 0 {
			return i
		}
		if n, err := strconv.Atoi(format[i+1 : i+end]); err == nil && n >= 1 && n <= len(args) {
			argNum = n - 1
		} else {
			argNum = len(args) // a bad index: fmt prints an error instead of an operand
		}
		return i + end + 1
	}
	for i := 0; i < len(format) && size <= maxComputed; {
		if format[i] != '%' {
			i++
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		i = index(i)
		width, ok, i := number(i)
		if width = max(width, -width); !ok {
			width = 0 // a negative * width pads on the right
		}
		prec := -1
		if i < len(format) && format[i] == '.' {
			if prec, ok, i = number(index(i + 1)); !ok || prec < 0 {
				prec = -1 // no precision
			}
		}
		i = index(i)
		if i >= len(format) {
			size += 16 // %!(NOVERB)
			break
		}
		verb, n := utf8.DecodeRuneInString(format[i:])
		i += n
		switch {
		case verb == '%':
			size++
		case argNum >= len(args):
			size += 16 // %!d(MISSING), %!d(BADINDEX)
		default:
			used[argNum] = true
			size += operandSize(args[argNum], verb, width, prec)
			argNum++
		}
	}
	for k, u := range used {
		if !u { // %!(EXTRA type=value)
			b, l := measure(args[k], maxComputed)
			size += b + 32*l
		}
	}
	return size
}

// operandSize is what one verb prints of v at most: what measure counts, grown as the verb
// grows text, and for each value v holds, the width and precision (fmt pads and extends the
// values of a list or map one by one) and what a verb may add to a number or a value of the
// wrong type ("%!d(string=x)").
func operandSize(v any, verb rune, width, prec int) int {
	if s, ok := v.(string); ok && prec >= 0 && strings.ContainsRune("sqvxX", verb) {
		v, prec = s[:min(len(s), prec)], 0 // precision cuts a string
	}
	bytes, leaves := measure(v, maxComputed)
	perValue := 32
	switch verb {
	case 'q':
		bytes *= 4 // \x00 for a byte
	case 'x', 'X':
		bytes *= 5 // "% #x": 0x00 and a space for a byte
	case 'f', 'F':
		perValue = 330 // %f of 1e308 has 309 digits
	case 'b', 'o', 'O':
		perValue = 48 // the 64 binary digits of an int64
	}
	return bytes + leaves*(width+max(prec, 0)+perValue)
}

// starValue is the width or precision a * takes from its argument, as fmt takes it: an
// integer of at most a million either way. ok is false for anything else, which fmt reports
// instead of using.
func starValue(v any) (n int, ok bool) {
	const most = 1_000_000
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if x := rv.Int(); x >= -most && x <= most {
			return int(x), true
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if x := rv.Uint(); x <= most {
			return int(x), true
		}
	}
	return 0, false
}
