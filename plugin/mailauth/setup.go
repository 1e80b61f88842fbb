package mailauth

import (
	"errors"
	"net"
	"path/filepath"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

func init() { plugin.Register(name, setup) }

var errNoSOA = errors.New("no SOA for a negative answer: the next plugin did not answer the zone's SOA")

func setup(c *caddy.Controller) error {
	m, err := parse(c)
	if err != nil {
		return plugin.Error(name, err)
	}
	// An invalid policy stops CoreDNS here, before it serves anything, as the file plugin does.
	if err := m.load(); err != nil {
		return plugin.Error(name, err)
	}
	c.OnStartup(func() error {
		m.probe()
		return nil
	})
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		m.Next = next
		return m
	})
	return nil
}

// parse reads the mailauth directive:
//
//	mailauth POLICY [ZONES...] {
//	    fallthrough [ZONES...]
//	}
func parse(c *caddy.Controller) (*MailAuth, error) {
	var m *MailAuth
	for c.Next() {
		if m != nil {
			return nil, c.Err("mailauth can only be used once per server block")
		}
		args := c.RemainingArgs()
		if len(args) == 0 {
			return nil, c.ArgErr()
		}
		path := args[0]
		if root := dnsserver.GetConfig(c).Root; !filepath.IsAbs(path) && root != "" {
			path = filepath.Join(root, path)
		}
		m = &MailAuth{Policy: path, Zones: plugin.OriginsFromArgsOrServerBlock(args[1:], c.ServerBlockKeys)}
		for c.NextBlock() {
			switch c.Val() {
			case "fallthrough":
				m.Fall.SetZonesFromArgs(c.RemainingArgs())
			default:
				return nil, c.Errf("unknown property %q", c.Val())
			}
		}
	}
	return m, nil
}

// probe finds the zones that a plugin after mailauth (file, auto, secondary) is authoritative for:
// there mailauth adds its records to that plugin's zone; elsewhere it serves the zone alone, SOA
// and NS included.
func (m *MailAuth) probe() {
	beside := map[string]bool{}
	for _, z := range m.Zones {
		q := new(dns.Msg)
		q.SetQuestion(z, dns.TypeSOA)
		reply := m.ask(nil, probeWriter{}, q, q)
		beside[z] = reply != nil && reply.Rcode == dns.RcodeSuccess && reply.Authoritative && len(soaOf(reply.Answer)) > 0
	}
	m.beside.Store(&beside)
}

// probeWriter is the ResponseWriter of probe's internal queries, which have no client.
type probeWriter struct{ dns.ResponseWriter }

func (probeWriter) LocalAddr() net.Addr  { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (probeWriter) RemoteAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (probeWriter) WriteMsg(*dns.Msg) error { return nil }
