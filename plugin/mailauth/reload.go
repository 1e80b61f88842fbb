package mailauth

import (
	"errors"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"

	clog "github.com/coredns/coredns/plugin/pkg/log"
)

var log = clog.NewWithPlugin(name)

// defaultReload is how often the policy and key files are checked for changes.
const defaultReload = 5 * time.Second

// watch checks the files every m.Reload until stop is closed.
func (m *MailAuth) watch(stop <-chan struct{}) {
	tick := time.NewTicker(m.Reload)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			// The server answers queries meanwhile: checking and loading step aside for them.
			pace.Background(m.reload)
		}
	}
}

// reload loads the policy when its files changed: those of the policy in service or, after a
// failed attempt, those that attempt read (the fix may be in a key file the policy names). Each
// distinct problem is logged once, not every tick.
func (m *MailAuth) reload() {
	p := m.table.Load().Policy
	files, digest := p.Files, p.Digest
	if m.failed != nil {
		files, digest = m.failed.Files, m.failed.Digest
	}
	if fp, _ := policy.Fingerprint(files); fp == digest {
		return
	}
	// Give a writer that saves in place a moment to finish before reading.
	time.Sleep(min(m.Reload/4, 250*time.Millisecond))
	changed, err := m.load()
	if errors.Is(err, errChanging) {
		return
	}
	m.failed = nil
	if f := (*policy.Failure)(nil); errors.As(err, &f) {
		m.failed = f
	}
	if err != nil {
		if msg := err.Error(); msg != m.lastErr {
			for _, line := range strings.Split(msg, "\n") {
				log.Error(line)
			}
			log.Errorf("keeping the policy loaded at %s (serial %d)", m.loadedAt.Format(time.RFC3339), m.table.Load().Serial)
			m.lastErr = msg
		}
		return
	}
	m.lastErr = ""
	if changed {
		t := m.table.Load()
		m.loadedAt = time.Now()
		log.Infof("loaded %s: serial %d, %d names, %d records", m.Policy, t.Serial, t.Names(), t.Records())
		// Parsing a large policy leaves much more garbage than the table it builds: give it back
		// now rather than carry it as resident memory.
		debug.FreeOSMemory()
		m.logWarnings()
		m.notify()
	}
}

// notify tells the secondaries of every zone that it changed.
func (m *MailAuth) notify() {
	if m.xfer == nil {
		return
	}
	for _, z := range m.Zones {
		if err := m.xfer.Notify(z); err != nil {
			log.Warningf("notify %s: %v", z, err)
		}
	}
}
