package policy

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
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
	file  string
	ast   *ast.File
	errs  Errors
	warns Errors
	keys  map[*ast.MappingNode]map[string]*ast.MappingValueNode // built on first use, see child
}

// at returns the position of the node reached by following keys (strings) and list indexes (ints)
// from the document root; when the node does not exist it falls back to its nearest ancestor.
// A scalar is located at its value; a mapping, list or empty value at the key that introduces it,
// since that is the line the user looks for ("example.org:", not the first line under it).
func (l *locator) at(path ...any) (int, int) {
	key, value, _ := l.follow(path)
	return position(key, value)
}

// node returns the node at path, or nil when there is none.
func (l *locator) node(path ...any) ast.Node {
	_, value, ok := l.follow(path)
	if !ok {
		return nil
	}
	return value
}

// follow walks path from the root of the first document. It returns the deepest node reached, the
// key or "-" that introduced it (nil in a flow list and at the root) and whether the whole path
// was followed.
func (l *locator) follow(path []any) (key, value ast.Node, ok bool) {
	if l.ast == nil || len(l.ast.Docs) == 0 {
		return nil, nil, false
	}
	value = l.ast.Docs[0].Body
	for _, step := range path {
		next, nextKey := l.child(value, step)
		if next == nil {
			return key, value, false
		}
		key, value = nextKey, next
	}
	return key, value, value != nil
}

// child returns the value under step (a key or an index) in n, and the key or "-" before it.
// Each mapping's keys are indexed once, since a policy of many domains looks up every one.
func (l *locator) child(n ast.Node, step any) (value, key ast.Node) {
	n = unwrap(n)
	switch step := step.(type) {
	case string:
		if m, ok := n.(*ast.MappingNode); ok {
			if mv := l.keyIndex(m)[step]; mv != nil {
				return valueOf(mv), mv.Key
			}
		}
	case int:
		if s, ok := n.(*ast.SequenceNode); ok && step >= 0 && step < len(s.Values) {
			if len(s.Entries) == len(s.Values) {
				// A block list entry is introduced by its "-", which is where an empty entry is.
				return s.Values[step], s.Entries[step]
			}
			return s.Values[step], nil
		}
	}
	return nil, nil
}

// keyIndex returns the entries of m by key name; with duplicate keys (an error reported
// elsewhere) the first one wins, as in a linear search.
func (l *locator) keyIndex(m *ast.MappingNode) map[string]*ast.MappingValueNode {
	if idx, ok := l.keys[m]; ok {
		return idx
	}
	if l.keys == nil {
		l.keys = map[*ast.MappingNode]map[string]*ast.MappingValueNode{}
	}
	idx := make(map[string]*ast.MappingValueNode, len(m.Values))
	for _, mv := range m.Values {
		if k := keyName(mv.Key); idx[k] == nil {
			idx[k] = mv
		}
	}
	l.keys[m] = idx
	return idx
}

// valueOf returns the value of a mapping entry; a key with nothing after it has a null value node.
func valueOf(mv *ast.MappingValueNode) ast.Node {
	if mv.Value == nil {
		return mv.Key
	}
	return mv.Value
}

// unwrap looks through anchors and tags to the value they decorate.
func unwrap(n ast.Node) ast.Node {
	for {
		switch w := n.(type) {
		case *ast.AnchorNode:
			n = w.Value
		case *ast.TagNode:
			n = w.Value
		default:
			return n
		}
	}
}

// keyName is a mapping key as the decoder sees it: unquoted, numbers in decimal.
func keyName(k ast.Node) string {
	switch s := unwrap(k).(type) {
	case *ast.StringNode:
		return s.Value
	case ast.ScalarNode:
		return fmt.Sprint(s.GetValue())
	}
	return k.GetToken().Value
}

// position applies the rule documented on at.
func position(key, value ast.Node) (int, int) {
	n := value
	switch unwrap(value).(type) {
	case *ast.MappingNode, *ast.SequenceNode, *ast.NullNode, nil:
		if key != nil {
			n = key
		}
	}
	if n == nil {
		return 0, 0
	}
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0].Key // a block mapping's own token is the first ':'
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line, tk.Position.Column
	}
	return 0, 0
}

// errorf records a problem at the node found by path.
func (l *locator) errorf(path []any, format string, args ...any) {
	line, col := l.at(path...)
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// warnf records, at the node found by path, a problem that does not stop the policy from loading:
// something receivers accept but that is likely a mistake or soon a failure.
func (l *locator) warnf(path []any, format string, args ...any) {
	line, col := l.at(path...)
	l.warns = append(l.warns, &Error{File: l.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// sortByPosition puts es in file order; problems at one place keep the order they were found in.
func sortByPosition(es Errors) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
}

// decodeError translates the YAML parser's and decoder's errors into Errors with their position and
// a message phrased in the policy file's terms rather than in Go's. file is the parsed document, nil
// when the parser failed; it names the key a type error is about, which the decoder does not
// reliably do for nested keys.
func decodeError(name string, file *ast.File, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return Errors{{File: name, Msg: err.Error()}}
	}
	e := &Error{File: name, Msg: ye.GetMessage()}
	tk := ye.GetToken()
	if tk != nil && tk.Position != nil {
		e.Line, e.Col = tk.Position.Line, tk.Position.Column
	}
	var key, value ast.Node
	item := false // value is an entry of the list under key, not key's own value
	if tk != nil && tk.Position != nil && file != nil && len(file.Docs) > 0 {
		key, value, item = find(file.Docs[0].Body, nil, false, tk.Position.Line, tk.Position.Column)
	}
	var (
		te *yaml.TypeError
		ne *yaml.UnexpectedNodeTypeError
		oe *yaml.OverflowError
		ue *yaml.UnknownFieldError
	)
	switch {
	case errors.As(err, &te):
		found := "a value of another type"
		if te.SrcType != nil {
			found = te.SrcType.Kind().String()
		}
		if value != nil {
			found = nodeName(unwrap(value).Type())
		}
		want := "another type"
		if te.DstType != nil {
			want = typeName(te.DstType)
		}
		e.Msg = fmt.Sprintf("wrong type: %s expected, found %s", want, found)
	case errors.As(err, &ne):
		e.Msg = fmt.Sprintf("wrong type: %s expected, found %s", nodeName(ne.Expected), nodeName(ne.Actual))
	case errors.As(err, &oe):
		e.Msg = fmt.Sprintf("%s is out of range", oe.SrcNum)
	case errors.As(err, &ue):
		e.Msg = "unknown key " + strings.TrimPrefix(e.Msg, "unknown field ")
	default:
		// The parser, not the decoder, finds duplicate keys, and says so in a message of its own.
		if m := duplicateKey.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("duplicate key %s (first at line %s)", m[1], m[2])
		}
		e.Msg = strings.ReplaceAll(e.Msg, "sequence", "list")
	}
	if te != nil || ne != nil || oe != nil {
		if key != nil {
			e.Msg = keyName(key) + ": " + e.Msg
		}
		if value != nil && !item {
			e.Line, e.Col = position(key, value)
		}
	}
	return Errors{e}
}

// find returns the node that starts at line:col and the nearest key above it, searching n depth
// first; item says whether the node is a list entry rather than the key's own value. The decoder
// reports a wrong value by its first token, so this is how its error gets back to the key the
// user wrote.
func find(n, key ast.Node, item bool, line, col int) (ast.Node, ast.Node, bool) {
	if n == nil {
		return nil, nil, false
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line == line && tk.Position.Column == col {
		return key, n, item
	}
	switch n := n.(type) {
	case *ast.AnchorNode:
		return find(n.Value, key, item, line, col)
	case *ast.TagNode:
		return find(n.Value, key, item, line, col)
	case *ast.MappingNode:
		for _, mv := range n.Values {
			if k, v, i := find(valueOf(mv), mv.Key, false, line, col); v != nil {
				return k, v, i
			}
		}
	case *ast.SequenceNode:
		// An entry of a list is reported under the key of the list.
		for _, entry := range n.Values {
			if k, v, i := find(entry, key, true, line, col); v != nil {
				return k, v, i
			}
		}
	}
	return nil, nil, false
}

// duplicateKey matches the decoder's `mapping key "x" already defined at [2:3]`.
var duplicateKey = regexp.MustCompile(`^mapping key (".*") already defined at \[(\d+):\d+\]`)

// typeName says in the policy file's words what a Go type holds.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a whole number"
}

// nodeName says in the policy file's words what a YAML node holds.
func nodeName(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.StringType, ast.LiteralType:
		return "a string"
	case ast.IntegerType:
		return "a whole number"
	case ast.FloatType, ast.InfinityType, ast.NanType:
		return "a decimal number"
	case ast.BoolType:
		return "true or false"
	case ast.NullType:
		return "nothing"
	}
	return t.YAMLName()
}
