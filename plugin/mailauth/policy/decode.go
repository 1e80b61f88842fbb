package policy

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// decoder fills the document types from a YAML node tree, strictly: an unknown key, a value of
// the wrong type and a key written twice are each an error at the line and column of the key or
// value to change, phrased in the policy file's words. It goes on after an error, so that one
// load lists every such problem, but does not look inside a value of the wrong type.
//
// yaml.v3's own decoder is not used because it reports lines without columns, stops at unknown
// keys only when decoding bytes (parsing them a second time) and converts numbers the policy
// must refuse (a ttl of 1.5). The tree comes from yaml.v3's parser, which is linear in the size
// of the file; the decoder below is too.
type decoder struct {
	file  string
	data  []byte // the file, for hints about what was written
	lines []int  // where each line of data starts, once needed
	errs  Errors
	// budget is how many more nodes may be decoded through aliases. A file of a few hundred
	// bytes whose anchors refer to anchors ("billion laughs") would otherwise expand into
	// gigabytes inside the serving process; the budget is the file's size, which no honest use of
	// anchors comes near.
	budget    int
	exhausted bool
	expanding map[*yaml.Node]bool // anchored nodes being decoded through an alias, against cycles
}

// keyed is what a node is reported under: the mapping key above it (nil at the root) and
// whether it is an entry of the list under that key rather than the key's own value.
type keyed struct {
	key  *yaml.Node
	item bool
}

// shortForm is implemented by document types written either as a mapping of their fields or,
// for the common case, as a single value of another shape: short returns what to decode such a
// value into.
type shortForm interface {
	shortForm() any
}

// decodeDocument decodes the body of a YAML document into v, a pointer to a document type.
func decodeDocument(file string, data []byte, body *yaml.Node, v any) Errors {
	d := &decoder{file: file, data: data, budget: len(data) + 1000}
	d.decode(body, reflect.ValueOf(v).Elem(), keyed{}, false)
	return d.errs
}

// decode fills v from n. aliased says whether n was reached through an alias.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, at keyed, aliased bool) {
	written := n // where the value is written: an alias rather than its anchor
	if n.Kind == yaml.AliasNode {
		n, aliased = resolve(n), true
		if d.expanding[n] {
			d.errorAt(written, "alias *%s is inside the value it names", written.Value)
			return
		}
		if d.expanding == nil {
			d.expanding = map[*yaml.Node]bool{}
		}
		d.expanding[n] = true
		defer delete(d.expanding, n)
	}
	if aliased && !d.spend(written) {
		return
	}
	if n.Style&yaml.TaggedStyle != 0 && !coreTags[n.ShortTag()] {
		d.errorAt(n, "%stag %s is not plain YAML: write the value without it", at.prefix(), n.Tag)
		return
	}
	if v.Kind() == reflect.Pointer {
		if isNull(n) {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct && n.Kind != yaml.MappingNode && !isNull(n) {
		if sf, ok := v.Addr().Interface().(shortForm); ok {
			v = reflect.ValueOf(sf.shortForm()).Elem()
		}
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, written, at, aliased, func(k, value *yaml.Node, aliased bool) bool {
			f, ok := fieldsOf(v.Type())[keyName(k)]
			if !ok {
				return false
			}
			d.decode(value, v.Field(f), keyed{key: k}, aliased)
			return true
		}, v.Type())
	case reflect.Map:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(v.Type(), len(n.Content)/2))
		}
		d.mapping(n, written, at, aliased, func(k, value *yaml.Node, aliased bool) bool {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(value, elem, keyed{key: k}, aliased)
			v.SetMapIndex(reflect.ValueOf(keyName(k)), elem)
			return true
		}, v.Type())
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.wrongType(n, written, at, v.Type())
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, entry := range n.Content {
			d.decode(entry, s.Index(i), keyed{key: at.key, item: true}, aliased)
		}
		v.Set(s)
	case reflect.Interface:
		if value, ok := d.anything(n, written, at, aliased); ok && value != nil {
			v.Set(reflect.ValueOf(value))
		}
	default:
		d.scalar(n, written, at, v)
	}
}

// scalar fills a string, bool or integer from a scalar node. A string takes any scalar as
// written (fo: 1 is the string "1"); true or false and whole numbers must be written as such,
// not quoted and not as decimals, since converting them would publish a value the user did not
// write.
func (d *decoder) scalar(n, written *yaml.Node, at keyed, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.wrongType(n, written, at, v.Type())
		return
	}
	if isNull(n) {
		v.SetZero()
		return
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
		return
	case reflect.Bool:
		if b, err := strconv.ParseBool(n.Value); tag == "!!bool" && err == nil {
			v.SetBool(b)
			return
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if tag != "!!int" && tag != "!!float" {
			break
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, v.Type().Bits())
		if tag == "!!int" && err == nil {
			v.SetInt(i)
			return
		}
		if errors.Is(err, strconv.ErrRange) {
			d.errorAt(written, "%s%s is out of range", at.prefix(), n.Value)
			return
		}
	}
	d.wrongType(n, written, at, v.Type())
}

// anything decodes a value whose shape the checker tells apart itself (senderid: true or a list).
func (d *decoder) anything(n, written *yaml.Node, at keyed, aliased bool) (any, bool) {
	switch n.Kind {
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, entry := range n.Content {
			var e any
			d.decode(entry, reflect.ValueOf(&e).Elem(), keyed{key: at.key, item: true}, aliased)
			list[i] = e
		}
		return list, true
	case yaml.MappingNode:
		m := map[string]any{}
		d.mapping(n, written, at, aliased, func(k, value *yaml.Node, aliased bool) bool {
			var e any
			d.decode(value, reflect.ValueOf(&e).Elem(), keyed{key: k}, aliased)
			m[keyName(k)] = e
			return true
		}, reflect.TypeFor[map[string]any]())
		return m, true
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		b, err := strconv.ParseBool(n.Value)
		return b, err == nil
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err == nil {
			return i, true
		}
	}
	return n.Value, true
}

// mapping calls field for each entry of the mapping n, merged entries (<<: *anchor) after the
// ones written, and reports keys written twice and keys field does not know. t is the Go type
// being filled, for the wrong-type message when n is not a mapping.
func (d *decoder) mapping(n, written *yaml.Node, at keyed, aliased bool, field func(k, v *yaml.Node, aliased bool) bool, t reflect.Type) {
	if isNull(n) && t.Kind() == reflect.Struct {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.wrongType(n, written, at, t)
		return
	}
	first := make(map[string]*yaml.Node, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		pace.Step()
		k, value := n.Content[i], n.Content[i+1]
		if !d.key(k) {
			continue
		}
		if isMerge(k) {
			merges = append(merges, value)
			continue
		}
		name := keyName(k)
		if f := first[name]; f != nil {
			d.errorAt(k, "duplicate key %q (first at line %d)", name, f.Line)
			continue
		}
		first[name] = k
		if !field(k, value, aliased) {
			d.errorAt(k, "unknown key %q", name)
		}
	}
	d.merge(merges, first, field)
}

// key reports whether k can be a key, reporting why not: a name, or the merge key.
func (d *decoder) key(k *yaml.Node) bool {
	switch r := resolve(k); {
	case r.Kind != yaml.ScalarNode:
		d.errorAt(k, "a key must be a name, not %s", kindName(r))
	case r.Style&yaml.TaggedStyle != 0 && !coreTags[r.ShortTag()] && !isMerge(r):
		d.errorAt(k, "tag %s is not plain YAML: write the key without it", r.Tag)
	default:
		return true
	}
	return false
}

// merge calls field for the entries of the mappings merged into one (<<: *anchor, or a list of
// them) under keys not in first, which holds the keys already taken. Keys written in a mapping
// win over merged ones, an earlier merged mapping over a later one, and a merged mapping's own
// keys over those it merges itself (YAML merge key, yaml.org/type/merge.html). Merged values are
// repeats of values written elsewhere: they count against the alias budget.
func (d *decoder) merge(merges []*yaml.Node, first map[string]*yaml.Node, field func(k, v *yaml.Node, aliased bool) bool) {
	for _, m := range merges {
		for _, src := range mergeSources(m) {
			written := src
			if src = resolve(src); src.Kind != yaml.MappingNode {
				d.errorAt(m, "<<: wrong type: a mapping or a list of mappings expected, found %s", kindName(src))
				continue
			}
			if d.expanding[src] {
				d.errorAt(written, "<<: the mapping merged here is the one it is merged into")
				continue
			}
			if d.expanding == nil {
				d.expanding = map[*yaml.Node]bool{}
			}
			d.expanding[src] = true
			var inner []*yaml.Node
			for i := 0; i+1 < len(src.Content); i += 2 {
				k, value := src.Content[i], src.Content[i+1]
				if resolve(k).Kind != yaml.ScalarNode {
					continue // reported where the mapping is written
				}
				if isMerge(k) {
					inner = append(inner, value)
					continue
				}
				if first[keyName(k)] != nil {
					continue
				}
				first[keyName(k)] = k
				if !d.spend(k) {
					delete(d.expanding, src)
					return
				}
				if !field(k, value, true) {
					d.errorAt(k, "unknown key %q", keyName(k))
				}
			}
			d.merge(inner, first, field)
			delete(d.expanding, src)
		}
	}
}

// mergeSources returns the mappings a merge key's value names: one, or a list of them.
func mergeSources(m *yaml.Node) []*yaml.Node {
	if r := resolve(m); r.Kind == yaml.SequenceNode {
		return r.Content
	}
	return []*yaml.Node{m}
}

// spend takes one node, reached through an alias at n, from the budget, and says whether there
// was any left; the first time there is not, it says so at n.
func (d *decoder) spend(n *yaml.Node) bool {
	if d.budget--; d.budget >= 0 {
		return true
	}
	if !d.exhausted {
		d.exhausted = true
		d.errorAt(n, "the aliases of this file expand to more values than the file is long; write the repeated values out")
	}
	return false
}

// wrongType reports that n, written at written, is not what a value of type t needs.
func (d *decoder) wrongType(n, written *yaml.Node, at keyed, t reflect.Type) {
	place := written
	if !at.item && at.key != nil && (n.Kind != yaml.ScalarNode || isNull(n)) {
		place = at.key // a mapping, list or empty value is found by its key
	}
	hint := ""
	if n.Kind == yaml.MappingNode && t.Kind() == reflect.String && d.startsWith(n, '?') {
		// In a flow list, YAML reads [?all] as a mapping with the key "all".
		hint = `: in [...] a "?" at the start of a value begins a key; quote the value, as in ["?all"]`
	}
	d.errorAt(place, "%swrong type: %s expected, found %s%s", at.prefix(), typeName(t), kindName(n), hint)
}

// startsWith reports whether the text of n in the file starts with c.
func (d *decoder) startsWith(n *yaml.Node, c byte) bool {
	if d.lines == nil {
		d.lines = lineStarts(d.data)
	}
	if n.Line < 1 || n.Line > len(d.lines) {
		return false
	}
	// The parser counts columns in characters.
	i := d.lines[n.Line-1]
	for range n.Column - 1 {
		if i >= len(d.data) {
			return false
		}
		_, size := utf8.DecodeRune(d.data[i:])
		i += size
	}
	return i < len(d.data) && d.data[i] == c
}

// lineStarts returns the offset of the start of each line of data.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func (d *decoder) errorAt(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// prefix names the key a message is about, "ttl: ", or nothing at the root of the document.
func (k keyed) prefix() string {
	if k.key == nil {
		return ""
	}
	return keyName(k.key) + ": "
}

// coreTags are the tags of the values a policy holds; any other tag (!vault, !!binary) means
// something this decoder would silently get wrong.
var coreTags = map[string]bool{"!!str": true, "!!int": true, "!!bool": true, "!!null": true, "!!float": true,
	"!!map": true, "!!seq": true, "!!timestamp": true}

// fields maps, for each document type, its YAML keys to field indexes.
var fields sync.Map // reflect.Type -> map[string]int

func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fields.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			m[name] = i
		}
	}
	fields.Store(t, m)
	return m
}

// resolve follows aliases to the node they name; a dangling alias resolves to itself.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is null, ~ or nothing at all.
func isNull(n *yaml.Node) bool {
	// The parser tags plain scalars as it resolves them: look at the tag before resolving it again.
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Tag != "!!str" && n.ShortTag() == "!!null")
}

// isMerge reports whether k is the merge key <<.
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// keyName is a mapping key as written, without quotes; an empty (null) key is "".
func keyName(k *yaml.Node) string {
	k = resolve(k)
	if isNull(k) {
		return ""
	}
	return k.Value
}

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

// kindName says in the policy file's words what a YAML node holds.
func kindName(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch tag := n.ShortTag(); tag {
	case "!!str", "!!binary", "!!timestamp":
		return "a string"
	case "!!int":
		return "a whole number"
	case "!!float":
		return "a decimal number"
	case "!!bool":
		return "true or false"
	case "!!null":
		return "nothing"
	default:
		return "a value tagged " + tag
	}
}
