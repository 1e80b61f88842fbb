package policy

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
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
	root  *yaml.Node // the body of the document; nil when it is empty
	errs  Errors
	warns Errors
	keys  map[*yaml.Node]map[string]entry // of large mappings, built on first use, see child
	order map[*yaml.Node][]entry          // of large mappings, see entriesOf
}

// smallMapping is the most entries a mapping may have for the locator to search it in place
// rather than index it.
const smallMapping = 16

// entry is one key of a mapping and its value, as written (the value may be an alias).
type entry struct{ key, value *yaml.Node }

// at returns the position of the node reached by following keys (strings) and list indexes (ints)
// from the document root; when the node does not exist it falls back to its nearest ancestor.
// A scalar is located at its value; a mapping, list or empty value at the key that introduces it,
// since that is the line the user looks for ("example.org:", not the first line under it).
func (l *locator) at(path ...any) (int, int) {
	key, value, _ := l.follow(path)
	return position(key, value)
}

// node returns the node at path, aliases followed, or nil when there is none.
func (l *locator) node(path ...any) *yaml.Node {
	_, value, ok := l.follow(path)
	if !ok {
		return nil
	}
	return resolve(value)
}

// follow walks path from the root of the document. It returns the deepest node reached as written
// there, the key that introduced it (nil for list entries and at the root) and whether the whole
// path was followed.
func (l *locator) follow(path []any) (key, value *yaml.Node, ok bool) {
	if l.root == nil {
		return nil, nil, false
	}
	value = l.root
	for _, step := range path {
		next, nextKey := l.child(value, step)
		if next == nil {
			return key, value, false
		}
		key, value = nextKey, next
	}
	return key, value, true
}

// child returns the value under step (a key or an index) in n, and the key before it.
// Each mapping's keys are indexed once, since a policy of many domains looks up every one.
func (l *locator) child(n *yaml.Node, step any) (value, key *yaml.Node) {
	n = resolve(n)
	switch step := step.(type) {
	case string:
		if n.Kind != yaml.MappingNode {
			break
		}
		if len(n.Content) <= 2*smallMapping {
			merged := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i]; isMerge(k) {
					merged = true
				} else if resolve(k).Kind == yaml.ScalarNode && keyName(k) == step {
					return n.Content[i+1], k
				}
			}
			if merged { // the key may come from a merged mapping
				for _, e := range entries(n) {
					if keyName(e.key) == step {
						return e.value, e.key
					}
				}
			}
			break
		}
		if e, ok := l.keyIndex(n)[step]; ok {
			return e.value, e.key
		}
	case int:
		if n.Kind == yaml.SequenceNode && step >= 0 && step < len(n.Content) {
			return n.Content[step], nil
		}
	}
	return nil, nil
}

// keyIndex returns the entries of m by key name.
func (l *locator) keyIndex(m *yaml.Node) map[string]entry {
	if idx, ok := l.keys[m]; ok {
		return idx
	}
	if l.keys == nil {
		l.keys = map[*yaml.Node]map[string]entry{}
	}
	entries := l.entriesOf(m)
	idx := make(map[string]entry, len(entries))
	for _, e := range entries {
		idx[keyName(e.key)] = e
	}
	l.keys[m] = idx
	return idx
}

// entriesOf is entries, kept for large mappings, which the checks walk more than once.
func (l *locator) entriesOf(m *yaml.Node) []entry {
	if len(m.Content) <= 2*smallMapping {
		return entries(m)
	}
	if list, ok := l.order[m]; ok {
		return list
	}
	if l.order == nil {
		l.order = map[*yaml.Node][]entry{}
	}
	list := entries(m)
	l.order[m] = list
	return list
}

// entries returns the entries of the mapping m in the order the decoder reads them: those written
// in it, then those merged into it (<<: *anchor) under keys it does not write itself, in the order
// of decoder.merge. With duplicate keys (an error reported by the decoder) the first one wins.
func entries(m *yaml.Node) []entry {
	m = resolve(m)
	if m.Kind != yaml.MappingNode {
		return nil
	}
	list := make([]entry, 0, len(m.Content)/2)
	seen := make(map[string]bool, min(len(m.Content)/2, smallMapping))
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case isMerge(k):
			merges = append(merges, v)
		case resolve(k).Kind == yaml.ScalarNode && !seen[keyName(k)]:
			seen[keyName(k)] = true
			list = append(list, entry{k, v})
		}
	}
	if len(merges) > 0 {
		list = mergedEntries(list, merges, seen, map[*yaml.Node]bool{m: true})
	}
	return list
}

// mergedEntries appends to list the entries merged in by merges, as decoder.merge takes them.
func mergedEntries(list []entry, merges []*yaml.Node, seen map[string]bool, visiting map[*yaml.Node]bool) []entry {
	for _, mv := range merges {
		for _, src := range mergeSources(mv) {
			if src = resolve(src); src.Kind != yaml.MappingNode || visiting[src] {
				continue
			}
			visiting[src] = true
			var inner []*yaml.Node
			for i := 0; i+1 < len(src.Content); i += 2 {
				switch k := src.Content[i]; {
				case isMerge(k):
					inner = append(inner, src.Content[i+1])
				case resolve(k).Kind == yaml.ScalarNode && !seen[keyName(k)]:
					seen[keyName(k)] = true
					list = append(list, entry{k, src.Content[i+1]})
				}
			}
			list = mergedEntries(list, inner, seen, visiting)
			delete(visiting, src)
		}
	}
	return list
}

// position applies the rule documented on at; value is the node as written, perhaps an alias.
func position(key, value *yaml.Node) (int, int) {
	n := value
	if r := resolve(value); r == nil || r.Kind != yaml.ScalarNode || isNull(r) {
		if key != nil {
			n = key
		}
	}
	if n == nil {
		return 0, 0
	}
	return n.Line, n.Column
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
// A problem found twice at one place (in a value an alias repeats) is listed once.
func sortByPosition(es Errors) Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	out := es[:0]
	for i, e := range es {
		if i > 0 && *e == *es[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// syntaxError turns the YAML parser's error into an Error. The parser gives the line (of the
// problem, or of the construct it is in) but not the column, and leaves out the line when it is
// the first; problems with the bytes themselves and unknown anchors it does not place at all, so
// they are found here.
func syntaxError(name string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: name, Msg: msg}
	if m := parserLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
		if _, ok := parserProblems[e.Msg]; ok {
			e.Line++ // the parser, unlike the scanner, counts lines from 0
		}
		// The end of a file without a final line break is on a line of its own to the parser.
		if last := lastLine(data); e.Line > last {
			e.Line = last
		}
	} else if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		e.Msg = fmt.Sprintf("alias *%s refers to no anchor &%s above it", m[1], m[1])
		e.Line, e.Col = lineCol(data, aliasAt(data, m[1]))
	} else if at := badByte(data); at >= 0 {
		e.Line, e.Col = lineCol(data, at)
		e.Msg += " (the policy is read as UTF-8 text, without control characters)"
	} else {
		e.Line = 1
	}
	if explained := parserProblems[e.Msg]; explained != "" {
		e.Msg = explained
	}
	if what, ok := blockProblems[e.Msg]; ok && e.Line > 0 {
		if at := breakingLine(data, err); at > e.Line {
			e.Msg = fmt.Sprintf("%s: line %d starts a %s that this line does not continue (%s); check this line's indentation", e.Msg, e.Line, what[0], what[1])
			e.Line = at
		}
	}
	// YAML indents with spaces only; a tab is the most common cause of "cannot start any token",
	// and invisible in most editors.
	if lines := bytes.Split(data, []byte("\n")); e.Line > 0 && e.Line <= len(lines) {
		line := lines[e.Line-1]
		if indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]; bytes.IndexByte(indent, '\t') >= 0 {
			e.Col = bytes.IndexByte(indent, '\t') + 1
			e.Msg += " (a tab: YAML indents with spaces only)"
		}
	}
	return e
}

// parserProblems are the problems yaml.v3's parser (rather than its scanner) reports, with what
// they mean where one is needed.
var parserProblems = map[string]string{
	"did not find expected <stream-start>":   "",
	"did not find expected <document start>": "",
	"found undefined tag handle":             "",
	"did not find expected node content":     "",
	"did not find expected '-' indicator":    "",
	"did not find expected key":              "",
	"did not find expected ',' or ']'":       "did not find expected ',' or ']': a [ list is not closed",
	"did not find expected ',' or '}'":       "did not find expected ',' or '}': a { mapping is not closed",
	"found duplicate %YAML directive":        "",
	"found incompatible YAML document":       "the %YAML directive asks for a YAML version other than 1.1; remove the %YAML line",
	"found duplicate %TAG directive":         "",
}

// blockProblems are the parser's problems that name the line a block mapping or list starts on,
// though what is wrong is a later line that ends it: the collection, and what continues it.
var blockProblems = map[string][2]string{
	"did not find expected key":           {"mapping", "a key at the indentation of its keys, or one of an enclosing mapping"},
	"did not find expected '-' indicator": {"list", `an item, "- " at the indentation of its items`},
}

// maxBreakSearch is the largest policy in which breakingLine looks for the line that breaks a block:
// it parses the file about twenty times.
const maxBreakSearch = 1 << 20

// breakingLine returns the first line of data at which parsing fails with err, or 0. The parser
// names the line a block collection starts on when a later line ends it at an indentation it cannot
// continue from; every prefix of the file that stops before that later line ends the collection
// cleanly or fails otherwise (an open [ list, say), and every prefix through it fails with err, so
// the line is found by bisection.
func breakingLine(data []byte, err error) int {
	if len(data) > maxBreakSearch {
		return 0
	}
	var ends []int // ends[i] is the offset just past line i+1
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(i int) bool {
		_, _, e := parseDocuments(data[:ends[i]])
		return e != nil && e.Error() == err.Error()
	}
	i := sort.Search(len(ends), fails)
	if i == len(ends) {
		return 0
	}
	return i + 1
}

var (
	parserLine    = regexp.MustCompile(`^line (\d+): (.*)$`)                 // "line 3: did not find expected key"
	unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`) // the parser's
)

// aliasAt returns the offset of the first alias *name in data outside comments, or -1: the text
// "*name" standing alone, not the start of a longer alias name nor inside a quoted string's
// neighbour words.
func aliasAt(data []byte, name string) int {
	token := []byte("*" + name)
	for lineStart := 0; lineStart < len(data); {
		end := bytes.IndexByte(data[lineStart:], '\n')
		if end < 0 {
			end = len(data) - lineStart
		}
		line := data[lineStart : lineStart+end]
		for from := 0; ; {
			i := bytes.Index(line[from:], token)
			if i < 0 {
				break
			}
			i += from
			before, after := byte(' '), byte(' ')
			if i > 0 {
				before = line[i-1]
			}
			if j := i + len(token); j < len(line) {
				after = line[j]
			}
			if comment := bytes.Index(line, []byte(" #")); comment >= 0 && comment < i || bytes.HasPrefix(bytes.TrimLeft(line, " "), []byte("#")) {
				break
			}
			if bytes.IndexByte([]byte(" \t[{,:-"), before) >= 0 && bytes.IndexByte([]byte(" \t\r]},"), after) >= 0 {
				return lineStart + i
			}
			from = i + 1
		}
		lineStart += end + 1
	}
	return -1
}

// badByte returns the offset of the first byte that is not UTF-8 text YAML allows, or -1.
func badByte(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return i
		}
		i += size
	}
	return -1
}

// lastLine returns the number of the last line of data, counting line breaks as YAML does (LF,
// CR LF or a lone CR).
func lastLine(data []byte) int {
	crlf := bytes.Count(data, []byte("\r\n"))
	return bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - crlf + 1
}

// lineCol returns the 1-based line and column (in characters) of offset in data, 0, 0 for a negative one.
func lineCol(data []byte, offset int) (int, int) {
	if offset < 0 || offset > len(data) {
		return 0, 0
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	// Columns count characters, as the parser's do.
	return line, utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
}
