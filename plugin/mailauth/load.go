package mailauth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"weak"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// load reads the policy, builds its table and swaps it in, reporting whether what is served
// changed. A policy that does not load leaves the table in service untouched. load is not on the
// query path: queries keep reading the old table until the single atomic store.
func (m *MailAuth) load() (changed bool, err error) {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	var p *policy.Policy
	// A bug in building a table must cost the new policy, never the server and the old policy;
	// like an invalid policy, it is tried again once its files change, not at every check.
	defer func() {
		if r := recover(); r != nil {
			reloadCount.WithLabelValues(m.Policy, "failure").Inc()
			changed, err = false, fmt.Errorf("%s: building the records failed: %v", m.Policy, r)
			if p != nil {
				err = &policy.Failure{Errors: policy.Errors{{File: m.Policy, Msg: fmt.Sprintf("building the records failed: %v", r)}},
					Files: p.Files, Digest: p.Digest}
			}
		}
	}()
	p, err = loadPolicy(m.Policy)
	if err != nil {
		reloadCount.WithLabelValues(m.Policy, "failure").Inc()
		return false, err
	}
	// A file still being written (in place, not by rename) reads differently a moment later: load
	// only what stayed the same while it was parsed.
	if now, err := policy.Fingerprint(p.Files); err != nil || now != p.Digest {
		return false, errChanging
	}
	old := m.table.Load()
	if old != nil && p.Digest == old.Policy.Digest {
		return false, nil
	}
	t := buildTable(p, m.Zones, nextSerial(old, p))
	m.table.Store(t)
	reloadCount.WithLabelValues(m.Policy, "success").Inc()
	lastLoadTime.WithLabelValues(m.Policy).SetToCurrentTime()
	nameCount.WithLabelValues(m.Policy).Set(float64(t.Names()))
	recordCount.WithLabelValues(m.Policy).Set(float64(t.Records()))
	for _, z := range m.Zones {
		zoneSerial.WithLabelValues(z).Set(float64(t.Serial))
	}
	return true, nil
}

// buildTable is table.Build; tests replace it to see a failure in it contained.
var buildTable = table.Build

// loaded holds the policy last loaded from each path, weakly: the server blocks that name the same
// file, and the instances a CoreDNS reload starts, use it while its files are unchanged rather than
// parse it again, which at 100,000 domains takes seconds. It goes when no table uses it any more.
var loaded sync.Map // path -> weak.Pointer[policy.Policy]

// loading serializes the loads of one path, so that blocks checking it at the same time parse it once.
var loading sync.Map // path -> *sync.Mutex

// loadPolicy returns the policy at path: the one already loaded by any instance when none of its
// files has changed, else a fresh load.
func loadPolicy(path string) (*policy.Policy, error) {
	mu, _ := loading.LoadOrStore(path, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if w, ok := loaded.Load(path); ok {
		if p := w.(weak.Pointer[policy.Policy]).Value(); p != nil {
			if fp, err := policy.Fingerprint(p.Files); err == nil && fp == p.Digest {
				return p, nil
			}
		}
	}
	p, err := policy.Load(path)
	if err == nil {
		loaded.Store(path, weak.Make(p))
	}
	return p, err
}

// logWarnings logs, once per loaded policy, what it publishes that receivers or resolvers may
// stumble on. Names count as outside only when no server block loading the same policy has a zone
// for them, so a policy split over several blocks (Corefile.example) is not reported block by block.
func (m *MailAuth) logWarnings() {
	zones := m.Zones
	if m.policyZones != nil {
		zones = m.policyZones.list()
	}
	for _, w := range warnings(m.table.Load(), zones) {
		for _, line := range strings.Split(w, "\n") {
			log.Warning(line)
		}
	}
}

// maxUDP is the answer size resolvers commonly advertise (DNS Flag Day 2020); larger answers
// need TCP.
const maxUDP = 1232

// warnings lists what a newly built table publishes that receivers or resolvers may stumble on:
// the policy's own warnings, records outside the zones, and answers too large for UDP.
func warnings(t *table.Table, zones []string) []string {
	var out []string
	for _, w := range append(append(policy.Errors(nil), t.Policy.Warnings...), t.Policy.OutsideZones(zones)...) {
		out = append(out, w.Error())
	}
	for _, a := range t.LargeAnswers(maxUDP) {
		out = append(out, fmt.Sprintf("%s: the %s answer at %s is %d bytes, over %d: resolvers must retry it over TCP. It holds:\n  %s",
			t.Policy.Path, dns.TypeToString[a.Type], a.Name, a.Size, maxUDP, strings.Join(a.Records, "\n  ")))
	}
	return out
}

// errChanging says the files changed while they were read; the next check tries again.
var errChanging = errors.New("the policy or a key file changed while it was read")

// nextSerial is the SOA serial of a newly loaded policy (see policy.Serial). Unless the policy
// pins it, should it not exceed the serial in service (two edits within a second, a file restored
// with an old time), the serial in service plus one is used, so that secondaries never miss a change.
func nextSerial(old *table.Table, p *policy.Policy) uint32 {
	s := p.Serial()
	if p.SOA.Serial != 0 {
		return s
	}
	if old != nil && !serialAfter(s, old.Serial) {
		s = old.Serial + 1
	}
	return s
}

// serialAfter compares serials in RFC 1982 arithmetic.
func serialAfter(a, b uint32) bool { return a != b && int32(a-b) > 0 }
