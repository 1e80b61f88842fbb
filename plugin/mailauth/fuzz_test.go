package mailauth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// FuzzServeDNS unpacks arbitrary bytes as a DNS message and serves it with the plugins of
// newTestPlugin (example.org beside file, example.net and 2.0.192.in-addr.arpa alone), with and
// without fallthrough, over UDP and TCP. ServeDNS must never panic, and a reply it writes must
// pack. The seeds, packed queries of every kind, are in testdata/fuzz/FuzzServeDNS.
func FuzzServeDNS(f *testing.F) {
	plugins := []*MailAuth{fuzzPlugin(f, false), fuzzPlugin(f, true)}
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

// fuzzPlugin is newTestPlugin for a fuzz target, which has no *testing.T to give it.
func fuzzPlugin(f *testing.F, withFall bool) *MailAuth {
	path := filepath.Join(f.TempDir(), "mail.yaml")
	if err := os.WriteFile(path, []byte(testPolicy), 0o644); err != nil {
		f.Fatal(err)
	}
	zone, err := file.Parse(strings.NewReader(testZone), "example.org.", "db.example.org", 0)
	if err != nil {
		f.Fatal(err)
	}
	next := file.File{Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": zone}, Names: []string{"example.org."}}}
	m := &MailAuth{Next: next, Policy: path, Zones: []string{"example.org.", "example.net.", "2.0.192.in-addr.arpa."}}
	if withFall {
		m.Fall = fall.Root
	}
	if _, err := m.load(); err != nil {
		f.Fatal(err)
	}
	m.probe()
	return m
}
