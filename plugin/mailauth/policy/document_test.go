package policy

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// docTypes returns the struct types reachable from t through pointers, maps and slices: every
// type of the policy file's mirror.
func docTypes(t reflect.Type, seen map[reflect.Type]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		docTypes(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			docTypes(t.Field(i).Type, seen)
		}
	}
}

func TestEveryDocumentFieldIsNamedForItsYAMLKey(t *testing.T) {
	types := map[reflect.Type]bool{}
	docTypes(reflect.TypeFor[document](), types)
	if len(types) < 12 {
		t.Fatalf("found %d document types, want the 12 the policy file has at least", len(types))
	}
	key := regexp.MustCompile(`^[a-z][a-z_]*$`)
	for typ := range types {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("yaml")
			if !f.IsExported() {
				if tag != "" {
					t.Errorf("%s.%s is unexported but has the YAML key %q", typ.Name(), f.Name, tag)
				}
				continue
			}
			switch {
			case !key.MatchString(tag):
				t.Errorf("%s.%s: YAML key %q is not a lower-case key", typ.Name(), f.Name, tag)
			case !strings.EqualFold(f.Name, strings.ReplaceAll(tag, "_", "")):
				t.Errorf("%s.%s is not its YAML key %q capitalised", typ.Name(), f.Name, tag)
			}
		}
	}
}

func TestAHostsAddressesAreWhereItsFormPutsThem(t *testing.T) {
	path := []any{"hosts", "mail.example.org"}
	tests := []struct {
		name string
		host *hostDoc
		want []any
	}{
		{"a host written with nothing after it", nil, []any{"hosts", "mail.example.org"}},
		{"the short form, a list of addresses", &hostDoc{short: true}, []any{"hosts", "mail.example.org"}},
		{"the long form, a mapping with addrs", &hostDoc{}, []any{"hosts", "mail.example.org", "addrs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.host.addrPath(path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("addrPath = %v, want %v", got, tt.want)
			}
		})
	}
}

// The checker appends an index to the path addrPath returns, once per address: each must be a
// path of its own, even when the caller's path has room to grow in place.
func TestAddrPathLeavesTheCallersPathAlone(t *testing.T) {
	base := append(make([]any, 0, 8), "hosts", "mail.example.org")
	long := &hostDoc{}
	first := append(long.addrPath(base), 0)
	second := append(long.addrPath(base), 1)
	if want := []any{"hosts", "mail.example.org", "addrs", 0}; !reflect.DeepEqual(first, want) {
		t.Errorf("the first address's path became %v, want %v", first, want)
	}
	if want := []any{"hosts", "mail.example.org", "addrs", 1}; !reflect.DeepEqual(second, want) {
		t.Errorf("the second address's path is %v, want %v", second, want)
	}
	if len(base) != 2 {
		t.Errorf("the caller's path grew to %v", base)
	}
}

func TestTheShortFormFillsTheAddressesAndSaysSo(t *testing.T) {
	var h hostDoc
	addrs, ok := h.shortForm().(*[]string)
	if !ok {
		t.Fatalf("shortForm returns %T, want the *[]string of the addresses", h.shortForm())
	}
	*addrs = []string{"192.0.2.1"}
	if !h.short || len(h.Addrs) != 1 || h.Addrs[0] != "192.0.2.1" || h.HELO != nil {
		t.Errorf("host %+v, want the short form with its one address and helo unset", h)
	}
}
