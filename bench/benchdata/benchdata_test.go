package benchdata

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dkimkey"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// load parses the policy of s with the project's own loader, failing the test on any error.
func load(t *testing.T, s *Set) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("mail.yaml", s.Policy, t.TempDir())
	if err != nil {
		t.Fatalf("the generated policy of %d domains does not load: %v", s.N, err)
	}
	return p
}

func TestGenerateMakesTheSameSetTwiceForOneSeed(t *testing.T) {
	a, b := Generate(12, 2000, 7), Generate(12, 2000, 7)
	if !bytes.Equal(a.Policy, b.Policy) {
		t.Error("the policy differs between two runs with the same seed")
	}
	if !bytes.Equal(a.QueryFile(""), b.QueryFile("")) {
		t.Error("the query mix differs between two runs with the same seed")
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("the sets differ between two runs with the same seed")
	}
}

func TestAnotherSeedChangesTheQueriesButNotThePolicy(t *testing.T) {
	a, b := Generate(12, 2000, 1), Generate(12, 2000, 2)
	if !bytes.Equal(a.Policy, b.Policy) {
		t.Error("the policy depends on the seed; it should depend on the number of domains alone")
	}
	if bytes.Equal(a.QueryFile(""), b.QueryFile("")) {
		t.Error("seeds 1 and 2 give the same query mix")
	}
	if reflect.DeepEqual(a.Net6, b.Net6) {
		t.Error("seeds 1 and 2 give the same IPv6 network addresses")
	}
}

func TestGenerateMakesAsManyQueriesAsAsked(t *testing.T) {
	for _, tc := range []struct{ queries, net6 int }{
		{0, 100},
		{200, 100},
		{40000, 2000},
	} {
		s := Generate(3, tc.queries, 1)
		if len(s.Queries) != tc.queries {
			t.Errorf("Generate(3, %d): %d queries", tc.queries, len(s.Queries))
		}
		if len(s.Net6) != tc.net6 {
			t.Errorf("Generate(3, %d): %d IPv6 network addresses, want %d", tc.queries, len(s.Net6), tc.net6)
		}
	}
}

func TestTheGeneratedPolicyLoadsWithEveryDomainComplete(t *testing.T) {
	for _, n := range []int{1, 3, 12} {
		t.Run(fmt.Sprintf("%d domains", n), func(t *testing.T) {
			s := Generate(n, 100, 1)
			p := load(t, s)
			if len(p.Warnings) > 0 {
				t.Errorf("the generated policy has warnings: %v", p.Warnings)
			}
			if got := p.Serial(); got != Serial {
				t.Errorf("serial %d, want %d", got, Serial)
			}
			if len(p.Domains) != n+1 { // and _spf.bench.test
				t.Errorf("%d domains, want %d", len(p.Domains), n+1)
			}
			if len(p.Hosts) != Hosts(n)+2 { // and ns1, ns2
				t.Errorf("%d hosts, want %d", len(p.Hosts), Hosts(n)+2)
			}
			if len(p.Networks) != 2 || p.Networks[0].Prefix != network4 || p.Networks[1].Prefix != network6 {
				t.Errorf("networks %v, want %s and %s", p.Networks, network4, network6)
			}
			byName := map[string]policy.Domain{}
			for _, d := range p.Domains {
				byName[strings.TrimSuffix(d.Name, ".")] = d
			}
			for i := 1; i <= n; i++ {
				name := strings.TrimSuffix(Domain(n, i), ".")
				d, ok := byName[name]
				if !ok {
					t.Errorf("domain %s is missing from the loaded policy", name)
					continue
				}
				if !strings.HasPrefix(d.SPF, "v=spf1 ") || d.ADSP == "" || !strings.HasPrefix(d.DMARC, "v=DMARC1") {
					t.Errorf("%s: SPF %q, ADSP %q, DMARC %q: each should be published", name, d.SPF, d.ADSP, d.DMARC)
				}
				algs := map[string]string{}
				for _, sel := range d.Selectors {
					if sel.Key != nil {
						algs[sel.Name] = sel.Key.Algorithm
					}
				}
				if want := map[string]string{"rsa2026": dkimkey.RSA, "ed2026": dkimkey.Ed25519}; !reflect.DeepEqual(algs, want) {
					t.Errorf("%s: selectors %v, want %v", name, algs, want)
				}
			}
		})
	}
}

func TestEveryDomainGetsOneOfFourSPFShapesAndThreeDMARCPolicies(t *testing.T) {
	p := load(t, Generate(12, 100, 1))
	spfs, dmarcs := map[string]bool{}, map[string]bool{}
	for _, d := range p.Domains {
		if strings.HasPrefix(d.Name, "_spf.") {
			continue
		}
		// The shapes differ in their terms, not only in the /24 or host they name.
		var shape []string
		for _, term := range strings.Fields(d.SPF) {
			shape = append(shape, strings.SplitN(term, ":", 2)[0])
		}
		spfs[strings.Join(shape, " ")] = true
		for _, tag := range strings.Split(d.DMARC, ";") {
			if k, v, _ := strings.Cut(strings.TrimSpace(tag), "="); k == "p" {
				dmarcs[v] = true
			}
		}
	}
	if len(spfs) != 4 {
		t.Errorf("%d SPF shapes among 12 domains, want 4: %v", len(spfs), spfs)
	}
	if len(dmarcs) != 3 {
		t.Errorf("%d DMARC policies among 12 domains, want 3: %v", len(dmarcs), dmarcs)
	}
}

func TestDomainsAndHostsAreNamedWithAtLeastFiveDigits(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Domain(3, 1), "d00001.bench.test."},
		{Domain(99999, 99999), "d99999.bench.test."},
		{Domain(100000, 42), "d000042.bench.test."},
		{func() string { h, _, _ := Host(12, 1); return h }(), "mx00001.bench.test."},
		{func() string { h, _, _ := Host(1000000, 7); return h }(), "mx0000007.bench.test."},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

func TestHostAddressesFillTheFourthOctetUpTo250(t *testing.T) {
	for _, tc := range []struct {
		i      int
		v4, v6 string
	}{
		{1, "172.16.1.1", "2001:db8:4000:1::1"},
		{250, "172.16.1.250", "2001:db8:4000:1::fa"},
		{251, "172.16.2.1", "2001:db8:4000:1::fb"},
		{10000, "172.16.40.250", "2001:db8:4000:1::2710"},
	} {
		_, v4, v6 := Host(100000, tc.i)
		if v4.String() != tc.v4 || v6.String() != tc.v6 {
			t.Errorf("host %d: %s %s, want %s %s", tc.i, v4, v6, tc.v4, tc.v6)
		}
	}
}

func TestAHundredThousandDomainsHaveDistinctHostsInsideTheNetworks(t *testing.T) {
	const n = 100000 // the largest set bench/run.sh generates
	if Hosts(n) != 10000 {
		t.Fatalf("Hosts(%d) = %d, want 10000", n, Hosts(n))
	}
	names, addrs := map[string]bool{}, map[netip.Addr]bool{
		netip.MustParseAddr("172.16.255.53"): true, netip.MustParseAddr("172.16.255.54"): true, // ns1, ns2
	}
	for i := 1; i <= Hosts(n); i++ {
		h, v4, v6 := Host(n, i)
		if names[h] || addrs[v4] || addrs[v6] {
			t.Fatalf("host %d (%s %s %s) repeats a name or an address", i, h, v4, v6)
		}
		names[h], addrs[v4], addrs[v6] = true, true, true
		if !network4.Contains(v4) || !network6.Contains(v6) {
			t.Fatalf("host %d: %s or %s lies outside %s and %s", i, v4, v6, network4, network6)
		}
	}
}

func TestHostsAreATenthOfTheDomainsAndAtLeastOne(t *testing.T) {
	for n, want := range map[int]int{1: 1, 9: 1, 10: 1, 19: 1, 20: 2, 10000: 1000} {
		if got := Hosts(n); got != want {
			t.Errorf("Hosts(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestNetworkAddressesAreDistinctAndNoneIsAHostsOrANameServers(t *testing.T) {
	addrs := net6Addrs(rand.New(rand.NewPCG(1, 2)), 3000)
	if len(addrs) != 3000 {
		t.Fatalf("%d addresses, want 3000", len(addrs))
	}
	reserved := []netip.Prefix{
		netip.MustParsePrefix("2001:db8:4000::/64"),
		netip.MustParsePrefix("2001:db8:4000:1::/64"),    // the hosts
		netip.MustParsePrefix("2001:db8:4000:ffff::/64"), // ns1, ns2
	}
	seen := map[netip.Addr]bool{}
	for _, a := range addrs {
		if seen[a] {
			t.Errorf("%s is listed twice", a)
		}
		seen[a] = true
		if !network6.Contains(a) {
			t.Errorf("%s lies outside %s", a, network6)
		}
		for _, r := range reserved {
			if r.Contains(a) {
				t.Errorf("%s lies in %s", a, r)
			}
		}
	}
}

func TestTheEd25519KeysAreEightDistinctPublicKeys(t *testing.T) {
	seen := map[string]bool{}
	for i := range 8 {
		k := ed25519Key(i)
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			t.Errorf("key %d: %d bytes (%v), want a %d-byte public key", i, len(raw), err, ed25519.PublicKeySize)
		}
		if seen[k] {
			t.Errorf("key %d repeats an earlier one", i)
		}
		seen[k] = true
		if ed25519Key(i) != k {
			t.Errorf("key %d differs between two calls", i)
		}
	}
}
