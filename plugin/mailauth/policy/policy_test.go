package policy_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func TestNullMXIsTheRecordZeroDotAlone(t *testing.T) {
	tests := []struct {
		name string
		mx   []policy.MX
		want bool
	}{
		{"a domain without MX records", nil, false},
		{"the null MX alone", []policy.MX{{Preference: 0, Target: "."}}, true},
		{"an ordinary MX", []policy.MX{{Preference: 10, Target: "mail.example.org."}}, false},
		{"the null MX beside another MX", []policy.MX{{Preference: 0, Target: "."}, {Preference: 10, Target: "mail.example.org."}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (policy.Domain{Name: "example.org.", MX: tt.mx}).NullMX(); got != tt.want {
				t.Errorf("NullMX() = %v, want %v", got, tt.want)
			}
		})
	}
}

// The zones and names below are those of RFC 2317 section 4 (192.0.2.0/24 split into a /25 and
// two /26s) and the example address of RFC 3596 2.5.
func TestPTROwnerFollowsTheClasslessDelegations(t *testing.T) {
	p := &policy.Policy{Delegations: []policy.Delegation{
		{Prefix: netip.MustParsePrefix("192.0.2.0/25"), Zone: "0/25.2.0.192.in-addr.arpa."},
		{Prefix: netip.MustParsePrefix("192.0.2.128/26"), Zone: "128/26.2.0.192.in-addr.arpa."},
	}}
	tests := []struct {
		name, addr, want string
	}{
		{"an address of the delegated /25", "192.0.2.1", "1.0/25.2.0.192.in-addr.arpa."},
		{"the last address of the delegated /25", "192.0.2.127", "127.0/25.2.0.192.in-addr.arpa."},
		{"an address of the delegated /26", "192.0.2.129", "129.128/26.2.0.192.in-addr.arpa."},
		{"an address of the /24 that is not delegated", "192.0.2.193", "193.2.0.192.in-addr.arpa."},
		{"an address of another network", "198.51.100.7", "7.100.51.198.in-addr.arpa."},
		{"an IPv6 address, nibble by nibble from the last", "4321:0:1:2:3:4:567:89ab",
			"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.PTROwner(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("PTROwner(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestTheDelegatedChildNameIsTheLastOctetInTheChildZone(t *testing.T) {
	d := &policy.Delegation{Prefix: netip.MustParsePrefix("192.0.2.192/26"), Zone: "192/26.2.0.192.in-addr.arpa."}
	for addr, want := range map[string]string{
		"192.0.2.192": "192.192/26.2.0.192.in-addr.arpa.",
		"192.0.2.193": "193.192/26.2.0.192.in-addr.arpa.",
		"192.0.2.255": "255.192/26.2.0.192.in-addr.arpa.",
	} {
		if got := d.Child(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Child(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestSerialIsThePinnedOneOrTheNewestFileTime(t *testing.T) {
	dir := t.TempDir()
	older, newer := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "key.pem")
	missing := filepath.Join(dir, "gone.pem")
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jun := time.Date(2026, 6, 1, 12, 30, 45, 500e6, time.UTC)
	for file, at := range map[string]time.Time{older: jan, newer: jun} {
		if err := os.WriteFile(file, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, at, at); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		serial uint32
		files  []string
		want   uint32
	}{
		{"the newest file wins, listed last", 0, []string{older, newer}, uint32(jun.Unix())},
		{"the newest file wins, listed first", 0, []string{newer, older}, uint32(jun.Unix())},
		{"a file that is gone counts for nothing", 0, []string{missing, older}, uint32(jan.Unix())},
		{"no file to read gives 0", 0, []string{missing}, 0},
		{"a pinned serial wins over the files", 42, []string{older, newer}, 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &policy.Policy{Files: tt.files, SOA: policy.SOA{Serial: tt.serial}}
			if got := p.Serial(); got != tt.want {
				t.Errorf("Serial() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestSerialGrowsWithAnEditOfAnyFile(t *testing.T) {
	dir := policyDir(t)
	path := writePolicy(t, dir, "domains:\n  example.org:\n    dkim: {s1: {key: ed.pem}}\n")
	past := time.Now().Add(-time.Hour)
	for _, f := range []string{path, filepath.Join(dir, "ed.pem")} {
		if err := os.Chtimes(f, past, past); err != nil {
			t.Fatal(err)
		}
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	before := p.Serial()
	if before != uint32(past.Unix()) {
		t.Fatalf("serial %d, want %d, the files' time", before, past.Unix())
	}
	// The key file is rewritten; the policy is not.
	if err := os.Chtimes(filepath.Join(dir, "ed.pem"), past, past.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if after := p.Serial(); after != before+60 {
		t.Errorf("serial after the key file changed %d, want %d", after, before+60)
	}
}
