package policy_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

const examplePolicy = "../../../zones/mail.yaml"

func TestExamplePolicyLoads(t *testing.T) {
	p, err := policy.Load(examplePolicy)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if p.Path != examplePolicy || p.TTL != 3600 {
		t.Errorf("path %q ttl %d", p.Path, p.TTL)
	}
	wantFiles := []string{
		examplePolicy,
		"../../../zones/keys/example.org/mail2026.pem",
		"../../../zones/keys/example.org/big2026.pem",
		"../../../zones/keys/example.org/ed2026.pem",
		"../../../zones/keys/example.net/mail.pub",
	}
	if !reflect.DeepEqual(p.Files, wantFiles) {
		t.Errorf("files %q\nwant %q", p.Files, wantFiles)
	}
	wantSOA := policy.SOA{MName: "ns1.example.org.", RName: "hostmaster.example.org.", Refresh: 7200, Retry: 1800, Expire: 1209600, Minimum: 3600}
	if p.SOA != wantSOA {
		t.Errorf("soa %+v\nwant %+v", p.SOA, wantSOA)
	}
	if want := []string{"ns1.example.org.", "ns2.example.org."}; !reflect.DeepEqual(p.NS, want) {
		t.Errorf("ns %q, want %q", p.NS, want)
	}

	type domain struct {
		name              string
		ttl               uint32
		spf, adsp, dmarc  string
		selectors, starts []string // record prefixes, one per selector
	}
	want := []domain{
		{
			name: "_spf.example.net.", ttl: 3600,
			spf: "v=spf1 ip4:203.0.113.0/24 -all",
		},
		{
			name: "example.net.", ttl: 3600,
			spf:       "v=spf1 ip4:198.51.100.0/24 include:example.org -all",
			selectors: []string{"mail"},
			starts:    []string{"v=DKIM1; k=rsa; t=y; p=MII"},
			dmarc:     "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@example.net; fo=1",
		},
		{
			name: "example.org.", ttl: 14400,
			spf:       "v=spf1 mx a ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net ~all",
			selectors: []string{"big2026", "ed2026", "mail2026", "old2025"},
			starts:    []string{"v=DKIM1; k=rsa; p=MII", "v=DKIM1; k=ed25519; p=", "v=DKIM1; k=rsa; p=MII", "v=DKIM1; p="},
			adsp:      "dkim=all",
			dmarc:     "v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc@example.org; adkim=s; aspf=s",
		},
	}
	if len(p.Domains) != len(want) {
		t.Fatalf("%d domains, want %d: %+v", len(p.Domains), len(want), p.Domains)
	}
	for i, w := range want {
		d := p.Domains[i]
		if d.Name != w.name || d.TTL != w.ttl || d.SPF != w.spf || d.ADSP != w.adsp || d.DMARC != w.dmarc {
			t.Errorf("domain %d: %+v\nwant %+v", i, d, w)
		}
		if len(d.Selectors) != len(w.selectors) {
			t.Errorf("%s: %d selectors, want %d", d.Name, len(d.Selectors), len(w.selectors))
			continue
		}
		for j, s := range d.Selectors {
			if s.Name != w.selectors[j] || !strings.HasPrefix(s.Record, w.starts[j]) {
				t.Errorf("%s: selector %d is %s %.40q, want %s %q...", d.Name, j, s.Name, s.Record, w.selectors[j], w.starts[j])
			}
			if s.Key != nil && s.Record != strings.TrimSuffix(s.Record, s.Key.P())+s.Key.P() {
				t.Errorf("%s: selector %s does not end in its key's p=", d.Name, s.Name)
			}
		}
	}
	org := p.Domains[2].Selectors
	if org[0].Key == nil || org[0].Key.Bits != 4096 || len(org[0].Record) <= 2*255 {
		t.Errorf("big2026: want a 4096-bit key whose record needs three character-strings, got %d bytes", len(org[0].Record))
	}
	if org[1].Key == nil || org[1].Record != "v=DKIM1; k=ed25519; p="+org[1].Key.P() || len(org[1].Key.P()) != 44 {
		t.Errorf("ed2026: record %q, want the raw 32-byte key", org[1].Record)
	}
	if org[3].Record != "v=DKIM1; p=" || org[3].Key != nil {
		t.Errorf("old2025: record %q key %v, want exactly %q and no key", org[3].Record, org[3].Key, "v=DKIM1; p=")
	}

	wantHosts := []policy.Host{
		{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}, HELO: true},
		{Name: "mx.example.net.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.20")}, HELO: true},
	}
	if !reflect.DeepEqual(p.Hosts, wantHosts) {
		t.Errorf("hosts %+v\nwant %+v", p.Hosts, wantHosts)
	}
	wantNetworks := []policy.Network{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Template: "host-{ip}.pool.example.org.", TTL: 3600},
		{Prefix: netip.MustParsePrefix("2001:db8:100::/48"), Template: "v6-{ip}.pool.example.org.", TTL: 3600},
	}
	if !reflect.DeepEqual(p.Networks, wantNetworks) {
		t.Errorf("networks %+v\nwant %+v", p.Networks, wantNetworks)
	}
}

func TestAnEmptyFileIsRefusedSinceAFileBeingRewrittenLooksLikeThat(t *testing.T) {
	for _, body := range []string{"", " \n\n"} {
		path := writePolicy(t, t.TempDir(), body)
		_, err := policy.Load(path)
		want := path + ": the policy file is empty (write at least a comment to publish nothing on purpose)"
		if err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %s", body, err, want)
		}
	}
}

func TestAPolicyWithNothingButCommentsLoadsWithDefaults(t *testing.T) {
	for _, body := range []string{"# nothing yet\n", "---\n"} {
		path := writePolicy(t, t.TempDir(), body)
		p, err := policy.Load(path)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		want := &policy.Policy{
			Path:  path,
			Files: []string{path},
			TTL:   policy.DefaultTTL,
			SOA:   policy.SOA{MName: "localhost.", RName: "hostmaster", Refresh: 7200, Retry: 1800, Expire: 1209600, Minimum: 3600},
		}
		want.Digest = p.Digest // covered by TestDigestCoversTheBytesRead
		if !reflect.DeepEqual(p, want) {
			t.Errorf("%q: got %+v\nwant %+v", body, p, want)
		}
	}
}

func TestDigestCoversTheBytesRead(t *testing.T) {
	dir := t.TempDir()
	path := writePolicy(t, dir, "domains:\n  example.org:\n    spf: [-all]\n")
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if fp, err := policy.Fingerprint(p.Files); err != nil || fp != p.Digest {
		t.Fatalf("fingerprint of unchanged files %x (%v), digest %x", fp, err, p.Digest)
	}
	writePolicy(t, dir, "domains:\n  example.org:\n    spf: [~all]\n")
	if fp, _ := policy.Fingerprint(p.Files); fp == p.Digest {
		t.Fatal("an edit left the fingerprint unchanged")
	}
	if _, err := policy.Fingerprint([]string{filepath.Join(dir, "gone.yaml")}); err == nil {
		t.Fatal("a missing file has a fingerprint")
	}
}

// A policy that does not load says what it read, so that a reloader waits for one of those files
// to change: the policy itself, a key file it names, or one that is missing.
func TestAFailureDigestsWhatTheAttemptRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		"domains:\n  example.org:\n    dkim: {s1: {key: adir}}\n", // a directory where a key file belongs
		"domains: [\n", // a syntax error
		"domains:\n  example.org:\n    spf: [bogus]\n", // a check
		"domains:\n  example.org:\n    dkim: {s1: {key: missing.pem}}\n",
	} {
		path := writePolicy(t, dir, body)
		_, err := policy.Load(path)
		var f *policy.Failure
		if !errors.As(err, &f) {
			t.Fatalf("%q: error %T %v, want a *Failure", body, err, err)
		}
		var errs policy.Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Errorf("%q: the failure holds no Errors", body)
		}
		if fp, _ := policy.Fingerprint(f.Files); fp != f.Digest {
			t.Errorf("%q: fingerprint of the files read %x, failure digest %x", body, fp, f.Digest)
		}
	}
	if _, err := policy.Load(filepath.Join(dir, "gone.yaml")); err == nil {
		t.Fatal("a missing policy loaded")
	} else if f := (*policy.Failure)(nil); !errors.As(err, &f) || len(f.Files) != 1 {
		t.Errorf("missing policy: %v", err)
	} else if fp, _ := policy.Fingerprint(f.Files); fp != f.Digest {
		t.Errorf("missing policy: fingerprint %x, digest %x", fp, f.Digest)
	}
	// The missing key file appearing is a change.
	path := writePolicy(t, dir, "domains:\n  example.org:\n    dkim: {s1: {key: missing.pem}}\n")
	_, err := policy.Load(path)
	var f *policy.Failure
	errors.As(err, &f)
	if err := os.WriteFile(filepath.Join(dir, "missing.pem"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fp, _ := policy.Fingerprint(f.Files); fp == f.Digest {
		t.Error("a key file appearing left the fingerprint unchanged")
	}
}

func TestAPolicyThatCannotBeReadNamesTheFileWithoutAPosition(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path, want string
	}{
		{"a missing file", filepath.Join(dir, "missing.yaml"), "cannot read policy: no such file or directory"},
		{"a directory", dir, "cannot read policy: is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Load(tt.path)
			assertErrors(t, tt.path, p, err, " "+tt.want)
		})
	}
}

func TestSeveralProblemsAreAllReportedInFileOrder(t *testing.T) {
	// The checker looks at ttl, domains, hosts and networks in that order; the file lists them the
	// other way round, and the report must follow the file.
	body := `networks:
  - {prefix: 198.51.100.0/24, ptr: "host.example.org"}
hosts:
  mail.example.org: [nope]
domains:
  b.example:
    dmarc: {p: maybe}
  a.example:
    adsp: no
    dkim:
      s1: {key: ed.pem, t: [x], h: [md5]}
ttl: -5
`
	path, p, err := loadBody(t, body)
	assertErrors(t, path, p, err,
		`2:36: ptr "host.example.org" must contain {ip} exactly once, in its first label (as in host-{ip}.pool.example.org)`,
		`4:22: host "mail.example.org": "nope" is not an IPv4 or IPv6 address`,
		`7:16: dmarc tag p: "maybe" is not one of none, quarantine, reject`,
		`9:11: adsp "no" is not one of unknown, all, discardable`,
		`11:29: dkim selector "s1": t="x" is not one of y, s`,
		`11:37: dkim selector "s1": h="md5" is not one of sha1, sha256`,
		`12:6: ttl -5 is out of range (0 to 2147483647)`,
	)
}

func TestRelativeKeyPathsStartAtThePolicyFile(t *testing.T) {
	key, err := os.ReadFile("../../../zones/keys/example.org/ed2026.pem")
	if err != nil {
		t.Fatal(err)
	}
	top := t.TempDir()
	if err := os.MkdirAll(filepath.Join(top, "conf", "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(top, "conf", "keys", "ed.pem"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(top, "conf", "keys", "ed.pem")
	writePolicy(t, filepath.Join(top, "conf"), "domains:\n  example.org:\n    dkim:\n      rel: {key: keys/ed.pem}\n      abs: {key: "+abs+"}\n")

	// From the parent of the policy's directory, with a relative policy path, and from an unrelated
	// directory, with an absolute one: the key is found next to the policy either way.
	tests := []struct {
		name, cwd, path string
		files           []string
	}{
		{"a relative policy path", top, "conf/policy.yaml", []string{"conf/policy.yaml", "conf/keys/ed.pem", abs}},
		{"an absolute policy path", t.TempDir(), filepath.Join(top, "conf", "policy.yaml"), []string{filepath.Join(top, "conf", "policy.yaml"), abs, abs}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.cwd)
			p, err := policy.Load(tt.path)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if !reflect.DeepEqual(p.Files, tt.files) {
				t.Errorf("files %q, want %q", p.Files, tt.files)
			}
			sels := p.Domains[0].Selectors
			if len(sels) != 2 || sels[0].Record != sels[1].Record || !strings.HasPrefix(sels[0].Record, "v=DKIM1; k=ed25519; p=") {
				t.Errorf("selectors %+v, want abs and rel with the same Ed25519 record", sels)
			}
		})
	}
}

func TestAFailureKeepsTheWarningsTheCheckFound(t *testing.T) {
	body := `domains:
  example.org:
    spf: [ptr, "+all"]
  example.net:
    adsp: no
`
	_, p, err := loadBody(t, body)
	var f *policy.Failure
	if p != nil || !errors.As(err, &f) {
		t.Fatalf("got %v, %v; want a *Failure", p, err)
	}
	if len(f.Errors) != 1 || len(f.Warnings) == 0 {
		t.Fatalf("errors %v, warnings %v; want one error and the warnings", f.Errors, f.Warnings)
	}
	for _, w := range f.Warnings {
		if w.Line != 3 {
			t.Errorf("warning %v, want it at line 3 (the SPF record)", w)
		}
	}
}
