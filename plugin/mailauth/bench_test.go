package mailauth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/bench/zonefile"
)

// The query path of each kind of query in the benchmark mix (bench/benchdata, 10,000 mail
// domains), served three ways:
//
//   - mailauth: mailauth alone for bench.test and the two reverse zones, as make bench runs it;
//   - beside:   bench.test beside a file plugin holding its SOA, NS and web records (fallthrough);
//   - file:     CoreDNS's file plugin alone, on the same records exported as zone files.
//
// Each reply is packed, as the server does, so that compression is counted. Compare allocs/op of
// mailauth and file: the issue asks that mailauth allocate no more per query than file.
func BenchmarkServeDNS(b *testing.B) {
	s := benchServers(b)
	for _, kind := range benchdata.KindNames() {
		var qs []*dns.Msg
		for _, q := range s.set.Queries {
			if q.Kind == kind {
				m := new(dns.Msg)
				m.SetQuestion(q.Name, dns.StringToType[q.Type])
				qs = append(qs, m)
			}
		}
		for _, h := range []struct {
			name string
			h    plugin.Handler
		}{{"mailauth", s.alone}, {"beside", s.beside}, {"file", s.file}} {
			b.Run(kind+"/"+h.name, func(b *testing.B) {
				w := &packWriter{}
				ctx := context.Background()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					h.h.ServeDNS(ctx, w, qs[i%len(qs)])
					i++
				}
				if w.n == 0 {
					b.Fatal("no reply written")
				}
			})
		}
	}
}

// packWriter packs each reply into a buffer it reuses, as a server writes it to the wire.
type packWriter struct {
	test.ResponseWriter
	buf []byte
	n   int
}

func (w *packWriter) WriteMsg(m *dns.Msg) error {
	out, err := m.PackBuffer(w.buf)
	if err != nil {
		return err
	}
	w.buf = out[:cap(out)]
	w.n++
	return nil
}

type servers struct {
	set                 *benchdata.Set
	alone, beside, file plugin.Handler
}

var benchOnce struct {
	sync.Once
	s   *servers
	err error
}

// besideZone is what a provider's zone file keeps beside mailauth: SOA, NS, MX and web records.
const besideZone = `$ORIGIN bench.test.
@ 3600 IN SOA ns1.bench.test. hostmaster.bench.test. 2026010101 7200 1800 1209600 3600
@ 3600 IN NS ns1.bench.test.
@ 3600 IN NS ns2.bench.test.
@ 3600 IN MX 10 mx00001.bench.test.
www 3600 IN A 172.16.255.80
`

// benchServers builds the three servers once per test binary: loading 10,000 domains is slow
// enough to dominate a run otherwise.
func benchServers(b *testing.B) *servers {
	b.Helper()
	benchOnce.Do(func() { benchOnce.s, benchOnce.err = newBenchServers() })
	if benchOnce.err != nil {
		b.Fatal(benchOnce.err)
	}
	return benchOnce.s
}

func newBenchServers() (*servers, error) {
	s := &servers{set: benchdata.Generate(10000, 20000, 1)}
	dir, err := os.MkdirTemp("", "mailauth-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mail.yaml")
	if err := os.WriteFile(path, s.set.Policy, 0o600); err != nil {
		return nil, err
	}

	alone := &MailAuth{Policy: path, Zones: benchdata.Zones}
	if _, err := alone.load(); err != nil {
		return nil, err
	}
	alone.probe()
	s.alone = alone

	z, err := file.Parse(strings.NewReader(besideZone), benchdata.Zone, "db.bench.test", 0)
	if err != nil {
		return nil, err
	}
	beside := &MailAuth{Policy: path, Zones: benchdata.Zones, Fall: fall.Root,
		Next: file.File{Zones: file.Zones{Z: map[string]*file.Zone{benchdata.Zone: z}, Names: []string{benchdata.Zone}}}}
	if _, err := beside.load(); err != nil {
		return nil, err
	}
	beside.probe()
	s.beside = beside

	zones, err := zonefile.Records(s.set, alone.table.Load().Policy)
	if err != nil {
		return nil, err
	}
	f := file.File{Zones: file.Zones{Z: map[string]*file.Zone{}}}
	for _, name := range benchdata.Zones {
		z, err := file.Parse(bytes.NewReader(zonefile.Text(name, zones[name])), name, name+"zone", 0)
		if err != nil {
			return nil, err
		}
		f.Zones.Z[name] = z
		f.Zones.Names = append(f.Zones.Names, name)
	}
	s.file = f
	return s, nil
}
