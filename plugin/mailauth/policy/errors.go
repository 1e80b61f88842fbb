package policy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Error is one problem in a policy file, located at the YAML node that causes it.
type Error struct {
	File string // the path as given to Load
	Line int    // 1-based; 0 when the problem is not tied to a place in the file
	Col  int    // 1-based; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found in one policy file, in the order they occur in it.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// locator turns a path inside the YAML document into a file position, so that checks made after
// decoding can still point at the line and column the user has to change.
type locator struct {
	file string
	ast  *ast.File
	errs Errors
}

// at returns the position of the node reached by following keys (strings) and list indexes (ints)
// from the document root; when the node does not exist it falls back to its nearest ancestor.
func (l *locator) at(path ...any) (int, int) {
	for n := len(path); n >= 0; n-- {
		b := (&yaml.PathBuilder{}).Root()
		for _, p := range path[:n] {
			switch p := p.(type) {
			case string:
				b = b.Child(p)
			case int:
				b = b.Index(uint(p))
			}
		}
		node, err := b.Build().FilterFile(l.ast)
		if err != nil || node == nil {
			continue
		}
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line, tk.Position.Column
		}
	}
	return 0, 0
}

// errorf records a problem at the node found by path.
func (l *locator) errorf(path []any, format string, args ...any) {
	line, col := l.at(path...)
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// decodeError translates the YAML decoder's errors into Errors with the decoder's position and a
// message phrased in the policy file's terms rather than in Go's.
func decodeError(file string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: file, Msg: err.Error()}
	}
	e := &Error{File: file, Msg: ye.GetMessage()}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		e.Line, e.Col = tk.Position.Line, tk.Position.Column
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		e.Msg = fmt.Sprintf("wrong type: %s expected, found %s", kindName(te.DstType.Kind().String()), te.SrcType.Kind().String())
		if te.StructFieldName != nil {
			e.Msg = fmt.Sprintf("%s: %s", yamlName(*te.StructFieldName), e.Msg)
		}
	}
	// The parser, not the decoder, finds duplicate keys, and says so in a message of its own.
	if m := duplicateKey.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("duplicate key %s (first at line %s)", m[1], m[2])
	}
	e.Msg = strings.ReplaceAll(strings.TrimPrefix(e.Msg, "unknown field "), "sequence", "list")
	if _, ok := err.(*yaml.UnknownFieldError); ok || errors.As(err, new(*yaml.UnknownFieldError)) {
		e.Msg = "unknown key " + e.Msg
	}
	return Errors{e}
}

// duplicateKey matches the decoder's `mapping key "x" already defined at [2:3]`.
var duplicateKey = regexp.MustCompile(`^mapping key (".*") already defined at \[(\d+):\d+\]`)

func kindName(k string) string {
	switch k {
	case "slice", "array":
		return "a list"
	case "map", "struct", "ptr":
		return "a mapping"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return "a number"
}

// yamlName maps a Go struct field name in a decoder message back to the policy key (the lower-cased
// field name, which is how every key in document.go is spelled).
func yamlName(field string) string {
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	return strings.ToLower(field)
}
