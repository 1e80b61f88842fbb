package mailauth

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// rrs parses records in presentation form.
func rrs(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	out := make([]dns.RR, 0, len(lines))
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		out = append(out, rr)
	}
	return out
}

// opt is the OPT record of a query with EDNS.
func opt() dns.RR {
	o := new(dns.OPT)
	o.Hdr.Name, o.Hdr.Rrtype = ".", dns.TypeOPT
	o.SetUDPSize(1232)
	return o
}

func TestZoneWriterShapesTheOtherPluginsRepliesAsOneZone(t *testing.T) {
	const (
		fileSOA   = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300"
		mergedSOA = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 8 7200 1800 1209600 300"
		apexNS    = "example.org. 3600 IN NS ns1.example.org."
		glue      = "ns1.example.org. 3600 IN A 192.0.2.53"
		subNS     = "sub.example.org. 3600 IN NS ns1.sub.example.net."
		subSOA    = "sub.example.org. 3600 IN SOA ns1.sub.example.org. hostmaster.sub.example.org. 3 7200 1800 1209600 300"
		spf       = `example.org. 3600 IN TXT "v=spf1 mx -all"`
	)
	type sections struct{ answer, ns, extra []string }
	tests := []struct {
		name  string
		qname string
		qtype uint16
		aa    bool
		rcode int
		in    sections
		edns  bool // an OPT record closes the additional section, in and out
		want  sections
	}{
		{"a positive answer leaves out the apex NS and the additional records", "example.org.", dns.TypeTXT, true, dns.RcodeSuccess,
			sections{[]string{spf}, []string{apexNS}, []string{glue}}, true,
			sections{[]string{spf}, nil, nil}},
		{"a positive answer without EDNS has no additional section", "example.org.", dns.TypeTXT, true, dns.RcodeSuccess,
			sections{[]string{spf}, []string{apexNS}, []string{glue}}, false,
			sections{[]string{spf}, nil, nil}},
		{"an NS answer keeps its glue", "example.org.", dns.TypeNS, true, dns.RcodeSuccess,
			sections{[]string{apexNS}, nil, []string{glue}}, true,
			sections{[]string{apexNS}, nil, []string{glue}}},
		{"an SOA answer carries the merged serial", "example.org.", dns.TypeSOA, true, dns.RcodeSuccess,
			sections{[]string{fileSOA}, []string{apexNS}, nil}, false,
			sections{[]string{mergedSOA}, nil, nil}},
		{"an SOA answer matches the zone whatever its case", "EXAMPLE.org.", dns.TypeSOA, true, dns.RcodeSuccess,
			sections{[]string{strings.Replace(fileSOA, "example.org.", "EXAMPLE.org.", 1)}, nil, nil}, false,
			sections{[]string{strings.Replace(mergedSOA, "example.org.", "EXAMPLE.org.", 1)}, nil, nil}},
		{"NODATA carries the merged SOA", "example.org.", dns.TypeAAAA, true, dns.RcodeSuccess,
			sections{nil, []string{fileSOA}, nil}, false,
			sections{nil, []string{mergedSOA}, nil}},
		{"NXDOMAIN carries the merged SOA", "nx.example.org.", dns.TypeA, true, dns.RcodeNameError,
			sections{nil, []string{fileSOA}, nil}, false,
			sections{nil, []string{mergedSOA}, nil}},
		{"NXDOMAIN to an SOA query carries the merged SOA with TTL 0, as BIND's", "nx.example.org.", dns.TypeSOA, true, dns.RcodeNameError,
			sections{nil, []string{fileSOA}, nil}, false,
			sections{nil, []string{strings.Replace(mergedSOA, " 3600 ", " 0 ", 1)}, nil}},
		{"NODATA to an SOA query keeps the SOA's TTL", "www.example.org.", dns.TypeSOA, true, dns.RcodeSuccess,
			sections{nil, []string{fileSOA}, nil}, false,
			sections{nil, []string{mergedSOA}, nil}},
		{"a CNAME ending in NODATA keeps its SOA, merged", "www.example.org.", dns.TypeAAAA, true, dns.RcodeSuccess,
			sections{[]string{"www.example.org. 3600 IN CNAME example.org."}, []string{fileSOA}, nil}, false,
			sections{[]string{"www.example.org. 3600 IN CNAME example.org."}, []string{mergedSOA}, nil}},
		{"a CNAME leaving the zone leaves out the apex NS", "www.example.org.", dns.TypeA, true, dns.RcodeSuccess,
			sections{[]string{"www.example.org. 3600 IN CNAME www.example.com."}, []string{apexNS}, nil}, false,
			sections{[]string{"www.example.org. 3600 IN CNAME www.example.com."}, nil, nil}},
		{"a CNAME ending in a referral keeps the delegation's NS", "www.example.org.", dns.TypeA, true, dns.RcodeSuccess,
			sections{[]string{"www.example.org. 3600 IN CNAME www.sub.example.org."}, []string{subNS}, nil}, false,
			sections{[]string{"www.example.org. 3600 IN CNAME www.sub.example.org."}, []string{subNS}, nil}},
		{"a CNAME answered below a delegation leaves out its NS", "www.example.org.", dns.TypeA, true, dns.RcodeSuccess,
			sections{[]string{"www.example.org. 3600 IN CNAME www.sub.example.org.", "www.sub.example.org. 3600 IN A 192.0.2.80"}, []string{subNS}, nil}, false,
			sections{[]string{"www.example.org. 3600 IN CNAME www.sub.example.org.", "www.sub.example.org. 3600 IN A 192.0.2.80"}, nil, nil}},
		{"a referral is passed as it is", "www.sub.example.org.", dns.TypeA, false, dns.RcodeSuccess,
			sections{nil, []string{subNS}, []string{"ns1.sub.example.net. 3600 IN A 192.0.2.54"}}, true,
			sections{nil, []string{subNS}, []string{"ns1.sub.example.net. 3600 IN A 192.0.2.54"}}},
		{"the SOA of another zone keeps its serial", "nx.sub.example.org.", dns.TypeA, true, dns.RcodeNameError,
			sections{nil, []string{subSOA}, nil}, false,
			sections{nil, []string{subSOA}, nil}},
		{"a server failure is passed as it is", "example.org.", dns.TypeTXT, false, dns.RcodeServerFailure,
			sections{}, true,
			sections{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := new(dns.Msg)
			r.SetQuestion(tc.qname, tc.qtype)
			m := new(dns.Msg)
			m.SetRcode(r, tc.rcode)
			m.Authoritative = tc.aa
			m.Answer, m.Ns, m.Extra = rrs(t, tc.in.answer...), rrs(t, tc.in.ns...), rrs(t, tc.in.extra...)
			if tc.edns {
				m.Extra = append(m.Extra, opt())
			}
			rec := dnstest.NewRecorder(&test.ResponseWriter{})
			w := &zoneWriter{ResponseWriter: rec, zone: "example.org.", add: 7}
			if err := w.WriteMsg(m); err != nil {
				t.Fatal(err)
			}
			got := rec.Msg
			if got.Rcode != tc.rcode || got.Authoritative != tc.aa {
				t.Errorf("rcode %s AA %v, want %s AA %v", dns.RcodeToString[got.Rcode], got.Authoritative, dns.RcodeToString[tc.rcode], tc.aa)
			}
			assertRRs(t, "answer", got.Answer, tc.want.answer)
			assertRRs(t, "authority", got.Ns, tc.want.ns)
			extra := got.Extra
			if tc.edns {
				if len(extra) == 0 || extra[len(extra)-1].Header().Rrtype != dns.TypeOPT {
					t.Fatalf("the OPT record is gone: %v", extra)
				}
				extra = extra[:len(extra)-1]
			}
			assertRRs(t, "additional", extra, tc.want.extra)
		})
	}
}

// The records of the reply may be the other plugin's own zone data: the writer changes copies.
func TestZoneWriterLeavesTheRecordsItIsGivenUntouched(t *testing.T) {
	soa := rrs(t, "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300")[0]
	answer := []dns.RR{soa}
	ns := []dns.RR{soa}
	for range 2 {
		m := new(dns.Msg)
		m.SetQuestion("example.org.", dns.TypeSOA)
		m.Response, m.Authoritative = true, true
		m.Answer, m.Ns = answer, ns
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		(&zoneWriter{ResponseWriter: rec, zone: "example.org.", add: 7}).WriteMsg(m)
		if s := rec.Msg.Answer[0].(*dns.SOA).Serial; s != 8 {
			t.Errorf("serial %d in the reply, want 8", s)
		}
	}
	if soa.(*dns.SOA).Serial != 1 || answer[0] != soa || ns[0] != soa {
		t.Errorf("the given records changed: SOA %v, answer %v, authority %v", soa, answer, ns)
	}
}

// Beside another plugin, the SOA serial is the sum of both sources' serials in RFC 1982
// arithmetic: it wraps as they do, and it grows whenever either source's serial grows.
func TestTheMergedSerialIsTheSumOfBothSerials(t *testing.T) {
	tests := []struct {
		name                 string
		theirs, ours, merged uint32
	}{
		{"small serials add", 1, 7, 8},
		{"a policy serial of zero leaves the zone file's", 2026112301, 0, 2026112301},
		{"a date-based serial and a time-based one add up", 2026112301, 1795444849, 3821557150},
		{"a sum past the largest serial wraps", 2026112301, 2326112301, 57257306},
		{"the largest serial wraps to the start", 0xffffffff, 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			soa := &dns.SOA{Hdr: dns.RR_Header{Name: "example.org.", Rrtype: dns.TypeSOA, Class: dns.ClassINET}, Serial: tc.theirs}
			if got := mergedSOA(soa, "example.org.", tc.ours).(*dns.SOA).Serial; got != tc.merged {
				t.Errorf("merged serial %d, want %d", got, tc.merged)
			}
		})
	}
	// Each step grows one source's serial, the zone file's across its wrap, then the policy's.
	steps := [][2]uint32{{0xfffffff0, 1795444849}, {0x00000005, 1795444849}, {0x00000005, 1795444850}, {0x7fff0000, 1795444850}, {0x7fff0000, 0x90000000}}
	prev := uint32(0)
	for i, s := range steps {
		soa := &dns.SOA{Hdr: dns.RR_Header{Name: "example.org.", Rrtype: dns.TypeSOA, Class: dns.ClassINET}, Serial: s[0]}
		merged := mergedSOA(soa, "example.org.", s[1]).(*dns.SOA).Serial
		if i > 0 && !serialAfter(merged, prev) {
			t.Errorf("step %d (zone file %d, policy %d): merged serial %d does not follow %d", i, s[0], s[1], merged, prev)
		}
		prev = merged
	}
}

// A zone file and a policy that delegates part of its network (RFC 2317): mailauth serves the
// reverse zone beside the zone file or, in the second plugin, alone.
const (
	delegatingPolicy = "ns: [ns1.example.net.]\nsoa: {serial: 5}\nnetworks:\n  - {prefix: 192.0.2.64/26, delegate: {to: [ns1.customer.example.], zone: 64/26.2.0.192.in-addr.arpa.}}\n"
	reverseZoneFile  = `$ORIGIN 2.0.192.in-addr.arpa.
@ 3600 IN SOA ns1.example.net. hostmaster.example.net. 1 7200 1800 1209600 300
@ 3600 IN NS ns1.example.net.
10 3600 IN PTR mail.example.org.
`
)

// BIND answers a CNAME into a delegation of its zone with the delegation's NS in authority, and
// so does mailauth serving the zone alone: beside the zone file it must answer the same.
func TestBesideAZoneFileACNAMEIntoADelegationEndsInItsReferral(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, delegatingPolicy)
	zone, err := file.Parse(strings.NewReader(reverseZoneFile), "2.0.192.in-addr.arpa.", "db.2.0.192", 0)
	if err != nil {
		t.Fatal(err)
	}
	beside := &MailAuth{
		Next:   file.File{Zones: file.Zones{Z: map[string]*file.Zone{"2.0.192.in-addr.arpa.": zone}, Names: []string{"2.0.192.in-addr.arpa."}}},
		Policy: path, Zones: []string{"2.0.192.in-addr.arpa."}, Fall: fall.Root,
	}
	alone := &MailAuth{Policy: path, Zones: []string{"2.0.192.in-addr.arpa."}}
	for _, m := range []*MailAuth{beside, alone} {
		if _, err := m.load(); err != nil {
			t.Fatal(err)
		}
		m.probe()
	}
	if !beside.isBeside("2.0.192.in-addr.arpa.") || alone.isBeside("2.0.192.in-addr.arpa.") {
		t.Fatal("the two plugins do not serve the zone as intended")
	}
	for _, qtype := range []uint16{dns.TypePTR, dns.TypeTXT} {
		want := serve(t, alone, "70.2.0.192.in-addr.arpa.", qtype)
		got := serve(t, beside, "70.2.0.192.in-addr.arpa.", qtype)
		if got.Rcode != want.Rcode || got.Authoritative != want.Authoritative {
			t.Errorf("%s: rcode %s AA %v, want %s AA %v", dns.TypeToString[qtype], dns.RcodeToString[got.Rcode], got.Authoritative,
				dns.RcodeToString[want.Rcode], want.Authoritative)
		}
		assertRRs(t, "answer", got.Answer, []string{"70.2.0.192.in-addr.arpa. 3600 IN CNAME 70.64/26.2.0.192.in-addr.arpa."})
		assertRRs(t, "authority", got.Ns, []string{"64/26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example."})
		assertRRs(t, "authority served alone", want.Ns, []string{"64/26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example."})
	}
	// A positive answer beside the zone file still leaves out the zone file's NS.
	r := serve(t, beside, "10.2.0.192.in-addr.arpa.", dns.TypePTR)
	assertRRs(t, "answer", r.Answer, []string{"10.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.org."})
	assertRRs(t, "authority", r.Ns, nil)
}
