package mailauth

import (
	"os"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// load reads the policy, builds its table and swaps it in. A policy that does not load leaves the
// table in service untouched.
func (m *MailAuth) load() error {
	p, err := policy.Load(m.Policy)
	if err != nil {
		return err
	}
	m.table.Store(table.Build(p, m.Zones, serial(p)))
	return nil
}

// serial is the SOA serial of the zones mailauth serves alone: the one the policy pins, or else
// the newest modification time of its files in Unix seconds, which grows with every edit and
// stays put across restarts over unchanged files.
func serial(p *policy.Policy) uint32 {
	if p.SOA.Serial != 0 {
		return p.SOA.Serial
	}
	var newest int64
	for _, f := range p.Files {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().Unix() > newest {
			newest = fi.ModTime().Unix()
		}
	}
	return uint32(newest)
}
