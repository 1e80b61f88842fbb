package mailauth

import (
	"context"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// FuzzServeDNS unpacks arbitrary bytes as a DNS message and serves it with the plugins of
// newTestPlugin (example.org beside file, example.net and 2.0.192.in-addr.arpa alone), with and
// without fallthrough, over UDP and TCP. ServeDNS must never panic, and a reply it writes must
// pack. The seeds, packed queries of every kind, are in testdata/fuzz/FuzzServeDNS.
func FuzzServeDNS(f *testing.F) {
	plugins := []*MailAuth{newTestPlugin(f, false), newTestPlugin(f, true)}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := new(dns.Msg)
		if r.Unpack(data) != nil {
			return
		}
		for i, m := range plugins {
			for _, tcp := range []bool{false, true} {
				rec := dnstest.NewRecorder(&test.ResponseWriter{TCP: tcp})
				m.ServeDNS(context.Background(), rec, r.Copy())
				if rec.Msg == nil {
					continue
				}
				if _, err := rec.Msg.Pack(); err != nil {
					t.Fatalf("plugin %d, TCP %v: the reply to\n%s\ndoes not pack: %v\n%s", i, tcp, r, err, rec.Msg)
				}
			}
		}
	})
}
