package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// exportPolicy publishes every kind of record mailauth builds, in zones small enough to list:
// TXT records of three character-strings and with quotes and backslashes to escape, a wildcard,
// the null MX, hosts on both sides of the address families, IPv4 and IPv6 networks, and an
// RFC 2317 delegation whose child zone, with a "/" in its name, is served as well.
const exportPolicy = `ttl: 3600
soa: {mname: ns1.example.org., rname: hostmaster@example.org, serial: 2026112301}
ns: [ns1.example.org., ns2.example.net.]
domains:
  example.org:
    spf: [mx, "ip4:192.0.2.0/24", "~all"]
    mx: ["10 mail.example.org"]
    dkim:
      big2026: {key: KEYS/example.org/big2026.pem}
      ed2026: {key: KEYS/example.org/ed2026.pem, n: 'say"hi"\back'}
      old2025: {revoked: true}
    adsp: all
    dmarc: {p: reject, rua: ["mailto:dmarc@example.org"]}
    mta_sts: {mode: enforce, mx: [mail.example.org], max_age: 86400}
    tls_rpt: {rua: ["mailto:tlsrpt@example.org", "https://reports.example.org/tlsrpt"]}
  parked.example.org: {parked: true}
  example.net: {spf: ["-all"], mx: null}
hosts:
  ns1.example.org: [192.0.2.53]
  mail.example.org: [192.0.2.25, "2001:db8::25"]
  ns2.example.net: ["2001:db8::53"]
networks:
  - {prefix: 198.51.100.0/28, ptr: "h-{ip}.pool.example.org", ttl: 600}
  - {prefix: "2001:db8:100::/124", ptr: "v6-{ip}.pool.example.net"}
  - prefix: 192.0.2.64/26
    ptr: "cust-{ip}.example.net"
    delegate: {to: [ns1.example.net.], zone: 64/26.2.0.192.in-addr.arpa.}
`

// exportZoneArgs are the -zone arguments the policy is served in, and exportFiles the file each
// zone is written to: a "/" cannot be in a file name, so the RFC 2317 zone's becomes "_".
var (
	exportZoneArgs = []string{"example.org", "example.net", "192.0.2.0/24", "64/26.2.0.192.in-addr.arpa", "198.51.100.0/24", "2001:db8::/32"}
	exportFiles    = map[string]string{
		"example.org.":                "example.org.zone",
		"example.net.":                "example.net.zone",
		"2.0.192.in-addr.arpa.":       "2.0.192.in-addr.arpa.zone",
		"64/26.2.0.192.in-addr.arpa.": "64_26.2.0.192.in-addr.arpa.zone",
		"100.51.198.in-addr.arpa.":    "100.51.198.in-addr.arpa.zone",
		"8.b.d.0.1.0.0.2.ip6.arpa.":   "8.b.d.0.1.0.0.2.ip6.arpa.zone",
	}
)

// buildTable loads body as a policy file (KEYS standing for zones/keys) and builds its table for
// the zones given as -zone arguments.
func buildTable(t *testing.T, body string, zoneArgs []string) *table.Table {
	t.Helper()
	keys, err := filepath.Abs("zones/keys")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mail.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(body, "KEYS", keys)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	zones, err := parseZones(zoneArgs)
	if err != nil {
		t.Fatal(err)
	}
	if zones == nil {
		zones = deriveZones(p)
	}
	return table.Build(p, zones, p.Serial())
}

// readZone parses a zone file as RFC 1035 says, with no $ORIGIN given.
func readZone(t *testing.T, text, name string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "", name)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rrs
}

// rrKey is a record in presentation form with its owner in lower case: two records with the same
// key are the same record, however they were spelled in a file.
func rrKey(rr dns.RR) string {
	c := dns.Copy(rr)
	c.Header().Name = strings.ToLower(c.Header().Name)
	return c.String()
}

func keys(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rrKey(rr)
	}
	slices.Sort(out)
	return out
}

// BIND loads each exported zone, with its checks of names, MX, NS and integrity set to fail, and
// reads back exactly the records of the file; and the file holds exactly what a query gets at
// every name the policy publishes in the zone.
func TestExportedZonesLoadInBINDAndHoldTheRecordsServed(t *testing.T) {
	bin := namedCheckzone(t)
	tab := buildTable(t, exportPolicy, exportZoneArgs)
	dir := filepath.Join(t.TempDir(), "out", "zones") // made by the export, parents included
	warnings, err := exportZones(tab, dir, nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("err %v, warnings %q", err, warnings)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var written []string
	for _, e := range entries {
		written = append(written, e.Name())
	}
	var want []string
	for _, f := range exportFiles {
		want = append(want, f)
	}
	slices.Sort(want)
	if !reflect.DeepEqual(written, want) {
		t.Fatalf("files %q, want %q", written, want)
	}

	published := publishedNames(t, tab)
	for _, zone := range tab.Zones() {
		t.Run(zone, func(t *testing.T) {
			file := filepath.Join(dir, exportFiles[zone])
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			exported := readZone(t, string(data), file)
			if soa, ok := exported[0].(*dns.SOA); !ok || soa.Hdr.Name != zone || soa.Serial != 2026112301 {
				t.Errorf("first record %v, want the SOA of %s", exported[0], zone)
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				if owner, _, _ := strings.Cut(line, "\t"); !strings.HasSuffix(owner, ".") || !dns.IsSubDomain(zone, owner) {
					t.Errorf("line %q: the owner is not an absolute name in %s", line, zone)
				}
			}

			cmd := exec.Command(bin, "-k", "fail", "-m", "fail", "-M", "fail", "-n", "fail", "-S", "fail", "-r", "fail", "-i", "full",
				"-D", "-o", "-", strings.TrimSuffix(zone, "."), file)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("named-checkzone refuses %s: %v\n%s%s", file, err, stderr.String(), stdout.String())
			}
			if msgs := stderr.String(); !strings.HasSuffix(msgs, "OK\n") || strings.Contains(msgs, "warning") || strings.Contains(msgs, "ignored") {
				t.Errorf("named-checkzone %s:\n%s", file, msgs)
			}
			loaded := readZone(t, stdout.String(), "named-checkzone -D")
			if got, want := keys(loaded), keys(exported); !reflect.DeepEqual(got, want) {
				t.Errorf("BIND reads other records than the file holds:\nBIND:\n%s\nfile:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}

			// The file against the answers: every record of the file is what a query for its name
			// and type gets, and every published name of the zone has all its records in the file.
			inFile := map[string]bool{}
			for _, k := range keys(exported) {
				if inFile[k] {
					t.Errorf("%s twice", k)
				}
				inFile[k] = true
			}
			inZoneFile := map[string]bool{}
			for _, rr := range exported {
				inZoneFile[strings.ToLower(rr.Header().Name)] = true
			}
			names := map[string]bool{}
			for name := range inZoneFile {
				names[name] = true
			}
			for _, name := range published {
				if table.LongestZone(tab.Zones(), name) == zone {
					names[name] = true
				}
			}
			served := map[string]bool{}
			for name := range names {
				res := tab.Lookup(name, dns.TypeANY, true)
				switch {
				case table.LongestZone(tab.Zones(), name) != zone:
					// The delegation to a child zone served here too: its NS are the child's.
					res = tab.Lookup(name, dns.TypeNS, true)
				case res.Referral:
					res.RRs = res.NS // at a cut, the zone holds the delegation's NS
				case !res.Exists && inZoneFile[name]:
					t.Errorf("%s is in the file, but a query gets NXDOMAIN", name)
				}
				if res.Wildcard {
					// Synthesized from a wildcard (RFC 4592): the file holds its source, which BIND
					// answers the same way.
					for _, rr := range res.RRs {
						if !inFile[wildcardSource(rr, inFile)] {
							t.Errorf("served from a wildcard the file lacks: %s", rrKey(rr))
						}
					}
					continue
				}
				for _, k := range keys(res.RRs) {
					served[k] = true
					if !inFile[k] {
						t.Errorf("served but not exported: %s", k)
					}
				}
			}
			for k := range inFile {
				if !served[k] {
					t.Errorf("exported but not served: %s", k)
				}
			}
		})
	}
}

// wildcardSource returns the key of the record at "*.ANCESTOR" that rr could be synthesized
// from, the closest such record that set holds, or "".
func wildcardSource(rr dns.RR, set map[string]bool) string {
	name := strings.ToLower(rr.Header().Name)
	for i, end := dns.NextLabel(name, 0); !end; i, end = dns.NextLabel(name, i) {
		c := dns.Copy(rr)
		c.Header().Name = "*." + name[i:]
		if k := rrKey(c); set[k] {
			return k
		}
	}
	return ""
}

// publishedNames lists, from the policy, every name it publishes records at: the names of its
// domains and the mail records below them, its hosts and their reverse names, and each address of
// its networks, forward and reverse.
func publishedNames(t *testing.T, tab *table.Table) []string {
	t.Helper()
	p := tab.Policy
	var names []string
	for _, d := range p.Domains {
		names = append(names, d.Name, "_dmarc."+d.Name, "_mta-sts."+d.Name, "_smtp._tls."+d.Name, "_adsp._domainkey."+d.Name, "*._domainkey."+d.Name)
		for _, s := range d.Selectors {
			names = append(names, s.Name+"._domainkey."+d.Name)
		}
	}
	for _, h := range p.Hosts {
		names = append(names, h.Name)
		for _, a := range h.Addrs {
			names = append(names, p.PTROwner(a))
		}
	}
	for _, n := range p.Networks {
		for a := n.Prefix.Addr(); n.Prefix.Contains(a); a = a.Next() {
			ptr, err := dns.ReverseAddr(a.String())
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, ptr, p.PTROwner(a), forwardName(n, a))
		}
	}
	return names
}

// forwardName spells the name a network's PTR points to, as the policy README describes it.
func forwardName(n policy.Network, a netip.Addr) string {
	var ip string
	if a.Is4() {
		ip = strings.ReplaceAll(a.String(), ".", "-")
	} else {
		b := a.As16()
		groups := make([]string, 8)
		for i := range groups {
			groups[i] = fmt.Sprintf("%x", uint16(b[2*i])<<8|uint16(b[2*i+1]))
		}
		ip = strings.Join(groups, "-")
	}
	return strings.Replace(n.Template, "{ip}", ip, 1)
}

// With "-", every zone goes to one stream: a "; zone ZONE" line, then the same text as its file.
func TestExportToStandardOutputHoldsEachZoneFile(t *testing.T) {
	tab := buildTable(t, exportPolicy, exportZoneArgs)
	dir := t.TempDir()
	if _, err := exportZones(tab, dir, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := exportZones(tab, "-", &out); err != nil {
		t.Fatal(err)
	}
	var zones []string
	for i, section := range strings.Split(out.String(), "; zone ")[1:] {
		zone, text, _ := strings.Cut(section, "\n")
		zones = append(zones, zone)
		file, err := os.ReadFile(filepath.Join(dir, exportFiles[zone]))
		if err != nil {
			t.Fatalf("section %d, zone %q: %v", i, zone, err)
		}
		if text != string(file) {
			t.Errorf("zone %s: the standard output differs from its file", zone)
		}
	}
	if !reflect.DeepEqual(zones, tab.Zones()) {
		t.Errorf("zones %q, want %q in that order", zones, tab.Zones())
	}
}

func TestAZoneTooLargeToTransferIsNotExported(t *testing.T) {
	tab := buildTable(t, `networks:
  - {prefix: "2001:db8:1::/111", ptr: "v6-{ip}.big.example"}
  - {prefix: "2001:db8:2::/112", ptr: "v6-{ip}.ok.example"}
`, nil)
	dir := t.TempDir()
	warnings, err := exportZones(tab, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := "zone %s not exported: network 2001:db8:1::/111 puts 2^17 addresses in the zone, more than the 65536 a transfer may list"
	want := []string{fmt.Sprintf(msg, "big.example."), fmt.Sprintf(msg, "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings\n%q\nwant\n%q", warnings, want)
	}
	for file, records := range map[string]int{
		"big.example.zone":                      -1,
		"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.zone": -1,
		"ok.example.zone":                       2 + 1<<16, // SOA, NS and an AAAA per address: the most a zone may list
		"2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.zone": 2 + 1<<16,
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		switch {
		case records < 0 && !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s: %v, want no file", file, err)
		case records >= 0 && err != nil:
			t.Error(err)
		case records >= 0 && bytes.Count(data, []byte("\n")) != records:
			t.Errorf("%s: %d records, want %d", file, bytes.Count(data, []byte("\n")), records)
		}
	}
}

func TestAnInZoneNSWithoutAddressIsWarnedAndStillExported(t *testing.T) {
	tab := buildTable(t, `ns: [ns1.example.org., ns2.example.org., ns.example.net.]
hosts:
  ns2.example.org: ["2001:db8::53"]
domains:
  example.org: {spf: ["-all"]}
`, []string{"example.org"})
	dir := t.TempDir()
	warnings, err := exportZones(tab, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"zone example.org.: its NS ns1.example.org. lies in it but has no address record: named-checkzone refuses the exported file, and served alone the zone is broken; add the host under hosts, or serve the zone beside a zone file that has it"}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings\n%q\nwant\n%q", warnings, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "example.org.zone")); err != nil {
		t.Errorf("the zone is not written: %v", err)
	}
}

func TestUnaddressed(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		zone string
		rrs  []string
		want []string
	}{
		{"an NS inside with an A", "example.org.", []string{"example.org. NS ns1.example.org.", "ns1.example.org. A 192.0.2.53"}, nil},
		{"an NS inside with only an AAAA", "example.org.", []string{"example.org. NS ns1.example.org.", "ns1.example.org. AAAA 2001:db8::53"}, nil},
		{"an NS outside the zone", "example.org.", []string{"example.org. NS ns1.example.net."}, nil},
		{"an NS inside without address", "example.org.", []string{"example.org. NS ns1.example.org.", "ns1.example.org. TXT \"no address\""},
			[]string{"ns1.example.org."}},
		{"names compared in any case, each listed once", "example.org.",
			[]string{"example.org. NS NS1.Example.ORG.", "EXAMPLE.org. NS ns1.example.org.", "example.org. NS ns2.example.org.", "Ns2.Example.Org. A 192.0.2.2"},
			[]string{"ns1.example.org."}},
		{"a delegation's NS is not the zone's", "example.org.", []string{"sub.example.org. NS ns.sub.example.org."}, nil},
		{"an address elsewhere does not count", "example.org.", []string{"example.org. NS ns1.example.org.", "ns2.example.org. A 192.0.2.2"},
			[]string{"ns1.example.org."}},
		{"the reverse zone's NS at a name of its own", "2.0.192.in-addr.arpa.", []string{"2.0.192.in-addr.arpa. NS ns.2.0.192.in-addr.arpa."},
			[]string{"ns.2.0.192.in-addr.arpa."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rrs []dns.RR
			for _, s := range tt.rrs {
				rrs = append(rrs, rr(s))
			}
			if got := unaddressed(tt.zone, rrs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExportErrorsAreReturned(t *testing.T) {
	tab := buildTable(t, "domains:\n  example.org: {spf: [\"-all\"]}\n", []string{"example.org"})

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exportZones(tab, file, nil); err == nil {
		t.Error("exporting into a regular file: no error")
	}

	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "example.org.zone"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := exportZones(tab, dir, nil); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "example.org.zone")) {
		t.Errorf("a directory where the zone file goes: %v, want an error naming it", err)
	}

	if _, err := exportZones(tab, "-", failingWriter{}); err == nil || err.Error() != "disk full" {
		t.Errorf("a failing standard output: %v, want its error", err)
	}
}
