package benchdata

import (
	"math"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

func TestTheSharesOfTheKindsAddUpToAHundredPercent(t *testing.T) {
	total, names := 0, map[string]bool{}
	for _, k := range Kinds {
		if k.Percent <= 0 || names[k.Kind] {
			t.Errorf("kind %q: %d%%, or listed twice", k.Kind, k.Percent)
		}
		names[k.Kind] = true
		total += k.Percent
	}
	if total != 100 {
		t.Errorf("the shares add up to %d%%", total)
	}
}

func TestTheMixFollowsTheSharesOfTheKinds(t *testing.T) {
	const count = 20000
	s := Generate(50, count, 1)
	got := map[string]int{}
	for _, q := range s.Queries {
		got[q.Kind]++
	}
	for _, k := range Kinds {
		// One point either side is more than four standard deviations at 20,000 queries.
		if share := 100 * float64(got[k.Kind]) / count; math.Abs(share-float64(k.Percent)) > 1 {
			t.Errorf("%s: %.2f%% of the mix, want %d%%", k.Kind, share, k.Percent)
		}
		delete(got, k.Kind)
	}
	if len(got) > 0 {
		t.Errorf("kinds outside the list: %v", got)
	}
}

// TestEveryQueryGetsTheAnswerItsKindStandsFor asks every query of the mix of the table mailauth
// builds from the generated policy: the names that should answer do, with records of the type
// asked, and the NXDOMAIN and NODATA kinds get exactly that.
func TestEveryQueryGetsTheAnswerItsKindStandsFor(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		s := Generate(12, 3000, seed)
		tb := table.Build(load(t, s), Zones, Serial)
		seen := map[string]bool{}
		for _, q := range s.Queries {
			seen[q.Kind] = true
			qtype, ok := dns.StringToType[q.Type]
			if !ok || !dns.IsFqdn(q.Name) || q.Name != strings.ToLower(q.Name) {
				t.Fatalf("%s %s: not a lower-case, fully qualified name and a known type", q.Name, q.Type)
			}
			res := tb.Lookup(q.Name, qtype, true)
			switch q.Kind {
			case "nxdomain":
				if res.Exists {
					t.Errorf("%s %s (%s): the name exists", q.Name, q.Type, q.Kind)
				}
			case "nodata-domainkey":
				if !res.Exists || len(res.RRs) > 0 {
					t.Errorf("%s %s (%s): exists=%v with %d records, want NODATA", q.Name, q.Type, q.Kind, res.Exists, len(res.RRs))
				}
			default:
				if len(res.RRs) == 0 || res.Referral || res.Wildcard {
					t.Errorf("%s %s (%s): no answer (exists=%v)", q.Name, q.Type, q.Kind, res.Exists)
					continue
				}
				for _, rr := range res.RRs {
					if h := rr.Header(); h.Rrtype != qtype || !strings.EqualFold(h.Name, q.Name) {
						t.Errorf("%s %s (%s): answered with %s", q.Name, q.Type, q.Kind, rr)
					}
				}
			}
		}
		for _, k := range Kinds {
			if !seen[k.Kind] {
				t.Errorf("seed %d: no query of kind %s among 3000", seed, k.Kind)
			}
		}
	}
}

// TestNetworkPTRsAndTheirNamesPointAtEachOther follows each network PTR of the mix to its name and
// back: file and mailauth must agree on both directions, so both must be in the data.
func TestNetworkPTRsAndTheirNamesPointAtEachOther(t *testing.T) {
	s := Generate(12, 3000, 1)
	tb := table.Build(load(t, s), Zones, Serial)
	checked := 0
	for _, q := range s.Queries {
		if q.Kind != "ptr-net4" && q.Kind != "ptr-net6" {
			continue
		}
		ptr := tb.Lookup(q.Name, dns.TypePTR, true).RRs
		if len(ptr) != 1 {
			t.Fatalf("%s PTR: %d records", q.Name, len(ptr))
		}
		target := ptr[0].(*dns.PTR).Ptr
		if !strings.HasSuffix(target, ".pool.bench.test.") {
			continue // the address of a host, whose own PTR wins
		}
		qtype := dns.TypeA
		if strings.HasSuffix(q.Name, ".ip6.arpa.") {
			qtype = dns.TypeAAAA
		}
		addr := tb.Lookup(target, qtype, true).RRs
		if len(addr) != 1 {
			t.Fatalf("%s %s: %d records", target, dns.TypeToString[qtype], len(addr))
		}
		a, _ := netip.AddrFromSlice(addressOf(addr[0]))
		if back, _ := dns.ReverseAddr(a.Unmap().String()); back != q.Name {
			t.Errorf("%s PTR %s, whose address %s has the reverse name %s", q.Name, target, a, back)
		}
		if SynthesizedName(a.Unmap()) != target {
			t.Errorf("SynthesizedName(%s) = %s, but the PTR points to %s", a, SynthesizedName(a.Unmap()), target)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d network PTRs checked", checked)
	}
}

func addressOf(rr dns.RR) []byte {
	switch rr := rr.(type) {
	case *dns.A:
		return rr.A
	case *dns.AAAA:
		return rr.AAAA
	}
	return nil
}

func TestSynthesizedNameSpellsTheAddressInTheFirstLabel(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"172.16.0.0", "h-172-16-0-0.pool.bench.test."},
		{"172.16.255.255", "h-172-16-255-255.pool.bench.test."},
		{"2001:db8:4000:abcd::1", "h6-2001-db8-4000-abcd--1.pool.bench.test."},
		{"2001:db8:4000:1234:5678:9abc:def0:1", "h6-2001-db8-4000-1234-5678-9abc-def0-1.pool.bench.test."},
	} {
		if got := SynthesizedName(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("SynthesizedName(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func TestQueryFileHoldsOneLinePerQueryOfItsKindInOrder(t *testing.T) {
	s := Generate(12, 2000, 1)
	all := strings.Split(strings.TrimSuffix(string(s.QueryFile("")), "\n"), "\n")
	if len(all) != len(s.Queries) {
		t.Fatalf("the mix has %d lines for %d queries", len(all), len(s.Queries))
	}
	for i, line := range all {
		if want := s.Queries[i].Name + " " + s.Queries[i].Type; line != want {
			t.Fatalf("line %d is %q, want %q", i+1, line, want)
		}
	}
	total := 0
	for _, k := range KindNames() {
		var want []string
		for _, q := range s.Queries {
			if q.Kind == k {
				want = append(want, q.Name+" "+q.Type)
			}
		}
		got := strings.Split(strings.TrimSuffix(string(s.QueryFile(k)), "\n"), "\n")
		if !slices.Equal(got, want) {
			t.Errorf("queries-%s.txt: %d lines, want the %d queries of that kind in mix order", k, len(got), len(want))
		}
		total += len(got)
	}
	if total != len(all) {
		t.Errorf("the files of each kind hold %d lines, the mix %d", total, len(all))
	}
	if f := s.QueryFile("no-such-kind"); len(f) != 0 {
		t.Errorf("an unknown kind has a query file of %d bytes", len(f))
	}
}

func TestKindNamesListsEveryKindSorted(t *testing.T) {
	names := KindNames()
	if !slices.IsSorted(names) || len(names) != len(Kinds) {
		t.Errorf("KindNames() = %v: want the %d kinds, sorted", names, len(Kinds))
	}
	for _, k := range Kinds {
		if !slices.Contains(names, k.Kind) {
			t.Errorf("KindNames() lacks %s", k.Kind)
		}
	}
}
