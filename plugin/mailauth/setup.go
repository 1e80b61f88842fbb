package mailauth

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

func init() {
	plugin.Register(name, setup)
	caddy.RegisterEventHook(name, onInstanceServing)
}

// serving counts the instances serving and not yet shut down in this process.
var serving atomic.Int32

var errNoSOA = errors.New("no SOA for a negative answer: the next plugin did not answer the zone's SOA")

func setup(c *caddy.Controller) error {
	m, err := parse(c)
	if err != nil {
		return plugin.Error(name, err)
	}
	// An invalid policy stops CoreDNS here, before it serves anything, as the file plugin does. On
	// a CoreDNS reload the instances being replaced answer queries meanwhile: the load steps aside.
	load := func() { _, err = m.load() }
	if serving.Load() > 0 {
		pace.Background(load)
	} else {
		load()
	}
	if err != nil {
		return plugin.Error(name, err)
	}
	m.loadedAt = time.Now()
	debug.FreeOSMemory() // see reload
	// Every server block that loads this policy adds its zones, for the warnings about names that
	// no zone covers.
	key := zoneSetKey(m.Policy)
	m.policyZones, _ = c.Get(key).(*zoneSet)
	if m.policyZones == nil {
		m.policyZones = &zoneSet{}
		c.Set(key, m.policyZones)
	}
	m.policyZones.add(m.Zones)
	stop := make(chan struct{})
	var started atomic.Bool
	c.OnStartup(func() error {
		config := dnsserver.GetConfig(c)
		m.probe()
		for _, h := range config.Handlers() {
			if tr, ok := h.(transfer.Transferer); ok && h != plugin.Handler(m) {
				m.transferers = append(m.transferers, tr)
			}
		}
		if x, ok := config.Handler("transfer").(*transfer.Transfer); ok {
			m.xfer = x
		}
		m.logWarnings()
		return nil
	})
	// What runs for as long as the instance does waits until it serves: a CoreDNS reload whose new
	// instance fails to listen discards it without shutting it down.
	instanceServing(c).then(func() {
		started.Store(true)
		serving.Add(1)
		// An unreachable secondary must not hold up serving.
		go m.notify()
		if m.Reload > 0 {
			go m.watch(stop)
		}
	})
	c.OnShutdown(func() error {
		if started.Load() {
			serving.Add(-1)
		}
		close(stop)
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
//	    reload DURATION
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
		m = &MailAuth{Policy: path, Zones: plugin.OriginsFromArgsOrServerBlock(args[1:], c.ServerBlockKeys), Reload: defaultReload}
		for c.NextBlock() {
			switch c.Val() {
			case "fallthrough":
				m.Fall.SetZonesFromArgs(c.RemainingArgs())
			case "reload":
				if !c.NextArg() {
					return nil, c.ArgErr()
				}
				d, err := time.ParseDuration(c.Val())
				if err != nil || d < 0 {
					return nil, c.Errf("reload %q is not a duration such as 5s or 1m (0 turns reloading off)", c.Val())
				}
				if c.NextArg() {
					return nil, c.ArgErr()
				}
				m.Reload = d
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
		reply, _, _ := m.ask(context.Background(), probeWriter{}, q)
		beside[z] = reply != nil && reply.Rcode == dns.RcodeSuccess && reply.Authoritative && len(soaOf(reply.Answer)) > 0
	}
	m.beside.Store(&beside)
}

// zoneSetKey names, in the CoreDNS instance's storage, the zones of every block loading a policy.
type zoneSetKey string

// zoneSet is the zones of every server block that loads one policy file.
type zoneSet struct {
	mu    sync.Mutex
	zones []string
}

func (s *zoneSet) add(zones []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones = append(s.zones, zones...)
}

func (s *zoneSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.zones...)
}

// probeWriter is the ResponseWriter of probe's internal queries, which have no client.
type probeWriter struct{ dns.ResponseWriter }

func (probeWriter) LocalAddr() net.Addr     { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (probeWriter) RemoteAddr() net.Addr    { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (probeWriter) WriteMsg(*dns.Msg) error { return nil }
