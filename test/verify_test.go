package test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"github.com/miekg/dns"
)

// These tests check the served records the way mail receivers do: with independent SPF, DKIM and
// DMARC implementations and Go's own resolver, every lookup sent to the test server.

// resolver sends every lookup to the server: UDP first, TCP when a reply is truncated.
func (s server) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			if strings.HasPrefix(network, "tcp") {
				return d.DialContext(ctx, "tcp", s.tcp)
			}
			return d.DialContext(ctx, "udp", s.udp)
		},
	}
}

func TestSPFEvaluatesThePublishedPolicies(t *testing.T) {
	s := startFile(t, "Corefile.example")
	res := s.resolver()
	for _, tc := range []struct {
		name   string
		ip     string
		domain string
		want   spf.Result
		why    error // the term that decided, as blitiri.com.ar/go/spf reports it
	}{
		{"an address in ip4 passes", "192.0.2.77", "example.org", spf.Pass, spf.ErrMatchedIP},
		{"an address in ip6 passes", "2001:db8::1", "example.org", spf.Pass, spf.ErrMatchedIP},
		{"an address of _spf.example.net passes through include", "203.0.113.5", "example.org", spf.Pass, spf.ErrMatchedIP},
		{"any other address soft-fails on ~all", "198.18.0.1", "example.org", spf.SoftFail, spf.ErrMatchedAll},
		{"the MX host's IPv4 address passes on mx (MX from the zone file, A from the policy)", "192.0.2.10", "example.org", spf.Pass, spf.ErrMatchedMX},
		{"the MX host's IPv6 address passes on mx", "2001:db8::10", "example.org", spf.Pass, spf.ErrMatchedMX},
		{"the apex address from the zone file passes on a", "192.0.2.1", "example.org", spf.Pass, spf.ErrMatchedA},
		{"example.net: an address in ip4 passes", "198.51.100.9", "example.net", spf.Pass, spf.ErrMatchedIP},
		{"example.net: example.org's MX host passes through include", "192.0.2.10", "example.net", spf.Pass, spf.ErrMatchedMX},
		{"example.net: any other address fails on -all", "198.18.0.1", "example.net", spf.Fail, spf.ErrMatchedAll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trace []string
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := spf.CheckHostWithSender(net.ParseIP(tc.ip), "mx.example.com", "alice@"+tc.domain,
				spf.WithResolver(res), spf.WithContext(ctx),
				spf.WithTraceFunc(func(f string, a ...any) { trace = append(trace, f) }))
			if got != tc.want || !errors.Is(err, tc.why) {
				t.Errorf("%s from %s: %s (%v), want %s (%v)", tc.domain, tc.ip, got, err, tc.want, tc.why)
				for _, l := range trace {
					t.Log(l)
				}
			}
		})
	}
}

// signed returns a small message signed by key for selector in domain.
func signed(t *testing.T, key crypto.Signer, domain, selector string) []byte {
	t.Helper()
	msg := "From: Alice <alice@" + domain + ">\r\n" +
		"To: Bob <bob@example.com>\r\n" +
		"Subject: mailauth integration test\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <test@" + domain + ">\r\n" +
		"\r\n" +
		"Hello Bob,\r\nthis message is signed.\r\n"
	var out bytes.Buffer
	if err := dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{Domain: domain, Selector: selector, Signer: key}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// verifyOne verifies the one signature of msg, looking the key up on the server.
func verifyOne(t *testing.T, res *net.Resolver, msg []byte) *dkim.Verification {
	t.Helper()
	opts := &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return res.LookupTXT(ctx, domain)
	}}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d verifications, want 1", len(vs))
	}
	return vs[0]
}

func TestDKIMSignaturesByEachPublishedKeyVerify(t *testing.T) {
	s := startFile(t, "Corefile.example")
	res := s.resolver()
	for _, selector := range []string{"mail2026", "big2026", "ed2026"} {
		t.Run(selector, func(t *testing.T) {
			key := privateKey(t, "zones/keys/example.org/"+selector+".pem")
			v := verifyOne(t, res, signed(t, key, "example.org", selector))
			if v.Err != nil {
				t.Errorf("verification: %v", v.Err)
			}
			if v.Domain != "example.org" {
				t.Errorf("domain %q", v.Domain)
			}
		})
	}
}

func TestDKIMSignatureOverATamperedBodyFails(t *testing.T) {
	s := startFile(t, "Corefile.example")
	msg := signed(t, privateKey(t, "zones/keys/example.org/mail2026.pem"), "example.org", "mail2026")
	tampered := bytes.Replace(msg, []byte("is signed"), []byte("is forged"), 1)
	if bytes.Equal(msg, tampered) {
		t.Fatal("body not changed")
	}
	v := verifyOne(t, s.resolver(), tampered)
	if v.Err == nil || !strings.Contains(v.Err.Error(), "body hash did not verify") {
		t.Errorf("verification error %v, want the body hash mismatch", v.Err)
	}
}

func TestDKIMSignatureByARevokedSelectorFailsPermanently(t *testing.T) {
	s := startFile(t, "Corefile.example")
	msg := signed(t, privateKey(t, "zones/keys/example.org/mail2026.pem"), "example.org", "old2025")
	v := verifyOne(t, s.resolver(), msg)
	if v.Err == nil || !dkim.IsPermFail(v.Err) || v.Err.Error() != "dkim: key revoked" {
		t.Errorf("verification error %v (permanent: %v), want the permanent failure \"dkim: key revoked\"", v.Err, dkim.IsPermFail(v.Err))
	}
}

// example.net publishes only a public key: nothing in the repository can sign for it, so a
// signature by another key must get as far as the signature check, which shows the key record
// was found and parsed.
func TestDKIMPublicKeyOnlySelectorIsServedAndParses(t *testing.T) {
	s := startFile(t, "Corefile.example")
	res := s.resolver()

	data, err := os.ReadFile("zones/keys/example.net/mail.pub")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("mail.pub: no PEM block")
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		t.Fatalf("mail.pub: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	txts, err := res.LookupTXT(ctx, "mail._domainkey.example.net.")
	if err != nil {
		t.Fatal(err)
	}
	if len(txts) != 1 {
		t.Fatalf("%d TXT records, want 1: %q", len(txts), txts)
	}
	tags := map[string]string{}
	for _, tag := range strings.Split(txts[0], ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(tag), "=")
		tags[k] = v
	}
	if want := base64.StdEncoding.EncodeToString(block.Bytes); tags["p"] != want {
		t.Errorf("p=%s\nwant the SPKI of mail.pub %s", tags["p"], want)
	}
	if tags["t"] != "y" {
		t.Errorf("record %q: t=%q, want y (testing mode)", txts[0], tags["t"])
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	v := verifyOne(t, res, signed(t, other, "example.net", "mail"))
	if v.Err == nil || !strings.HasPrefix(v.Err.Error(), "dkim: signature did not verify") {
		t.Errorf("verification error %v, want only the signature check to fail", v.Err)
	}
}

func TestDMARCRecordsParse(t *testing.T) {
	s := startFile(t, "Corefile.example")
	res := s.resolver()
	hundred := 100
	for _, tc := range []struct {
		domain string
		want   dmarc.Record
	}{
		{"example.org", dmarc.Record{
			Policy:             dmarc.PolicyQuarantine,
			DKIMAlignment:      dmarc.AlignmentStrict,
			SPFAlignment:       dmarc.AlignmentStrict,
			Percent:            &hundred,
			ReportURIAggregate: []string{"mailto:dmarc@example.org"},
		}},
		{"example.net", dmarc.Record{
			Policy:             dmarc.PolicyReject,
			SubdomainPolicy:    dmarc.PolicyReject,
			DKIMAlignment:      dmarc.AlignmentRelaxed,
			SPFAlignment:       dmarc.AlignmentRelaxed,
			FailureOptions:     dmarc.FailureAny,
			ReportURIAggregate: []string{"mailto:dmarc@example.net"},
		}},
	} {
		t.Run(tc.domain, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			txts, err := res.LookupTXT(ctx, "_dmarc."+tc.domain+".")
			if err != nil {
				t.Fatal(err)
			}
			if len(txts) != 1 {
				t.Fatalf("%d TXT records, want 1: %q", len(txts), txts)
			}
			got, err := dmarc.Parse(txts[0])
			if err != nil {
				t.Fatalf("%q: %v", txts[0], err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("%q parses as\n%+v\nwant\n%+v", txts[0], *got, tc.want)
			}
		})
	}
}

func TestHostsAndNetworksAreForwardConfirmedReverseDNS(t *testing.T) {
	s := startFile(t, "Corefile.example")
	res := s.resolver()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for _, host := range []struct {
		name  string
		addrs []string
	}{
		{"mail.example.org.", []string{"192.0.2.10", "2001:db8::10"}},
		{"mx.example.net.", []string{"192.0.2.20"}},
	} {
		t.Run(host.name, func(t *testing.T) {
			ips, err := res.LookupIPAddr(ctx, host.name)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ip := range ips {
				got = append(got, ip.IP.String())
			}
			slices.Sort(got)
			if !slices.Equal(got, host.addrs) {
				t.Errorf("addresses %v, want %v", got, host.addrs)
			}
			for _, ip := range ips {
				rev, err := dns.ReverseAddr(ip.IP.String())
				if err != nil {
					t.Fatal(err)
				}
				r := s.query(t, "udp", rev, dns.TypePTR, 1232)
				if len(r.Answer) != 1 {
					t.Errorf("%s PTR: %d answers, want 1", rev, len(r.Answer))
				} else if ptr, ok := r.Answer[0].(*dns.PTR); !ok || ptr.Ptr != host.name {
					t.Errorf("%s PTR: %s, want %s", rev, r.Answer[0], host.name)
				}
				names, err := res.LookupAddr(ctx, ip.IP.String())
				if err != nil {
					t.Errorf("LookupAddr %s: %v", ip.IP, err)
				} else if !slices.Equal(names, []string{host.name}) {
					t.Errorf("LookupAddr %s: %v, want [%s]", ip.IP, names, host.name)
				}
			}
		})
	}

	for _, tc := range []struct{ addr, ptr string }{
		{"198.51.100.77", "host-198-51-100-77.pool.example.org."},
		{"2001:db8:100::abcd", "v6-2001-db8-100-0-0-0-0-abcd.pool.example.org."},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			names, err := res.LookupAddr(ctx, tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, []string{tc.ptr}) {
				t.Errorf("PTR %v, want [%s]", names, tc.ptr)
			}
			for _, name := range names {
				ips, err := res.LookupIPAddr(ctx, name)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if len(ips) != 1 || !ips[0].IP.Equal(net.ParseIP(tc.addr)) {
					t.Errorf("%s resolves to %v, want only %s", name, ips, tc.addr)
				}
			}
		})
	}
}
