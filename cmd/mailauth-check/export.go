package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// exportZones writes every zone of t as an RFC 1035 zone file: SOA first, then every record a
// query can get, one per line with absolute names, so that no $ORIGIN is needed. dir "-" means
// stdout, each zone after a "; zone ZONE" line; otherwise each zone is DIR/ZONE.zone, a "/" in
// the name of an RFC 2317 child zone written "_" (64_26.2.0.192.in-addr.arpa.zone). A zone that
// a transfer would refuse, as its networks hold too many addresses, is not written. Problems are
// returned as warnings.
func exportZones(t *table.Table, dir string, stdout io.Writer) (warnings []string, err error) {
	if dir != "-" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	for _, zone := range t.Zones() {
		rrs, zerr := t.Zone(zone, true, table.MaxZoneAddresses)
		if zerr != nil {
			warnings = append(warnings, fmt.Sprintf("zone %s not exported: %v", zone, zerr))
			continue
		}
		for _, ns := range unaddressed(zone, rrs) {
			warnings = append(warnings, fmt.Sprintf("zone %s: its NS %s lies in it but has no address record: named-checkzone refuses the exported file, and served alone the zone is broken; add the host under hosts, or serve the zone beside a zone file that has it", zone, ns))
		}
		if dir == "-" {
			fmt.Fprintf(stdout, "; zone %s\n", zone)
			if err := writeZone(stdout, rrs); err != nil {
				return warnings, err
			}
			continue
		}
		name := strings.ReplaceAll(strings.TrimSuffix(zone, "."), "/", "_")
		if err := writeZoneFile(filepath.Join(dir, name+".zone"), rrs); err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}

func writeZoneFile(path string, rrs []dns.RR) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeZone(f, rrs); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

func writeZone(w io.Writer, rrs []dns.RR) error {
	b := bufio.NewWriter(w)
	for _, rr := range rrs {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	return b.Flush()
}

// unaddressed returns the NS targets inside zone that have no A or AAAA record in rrs: a
// resolver cannot reach such a server, and BIND will not load the zone.
func unaddressed(zone string, rrs []dns.RR) []string {
	addressed := map[string]bool{}
	for _, rr := range rrs {
		if t := rr.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
			addressed[strings.ToLower(rr.Header().Name)] = true
		}
	}
	var out []string
	for _, rr := range rrs {
		ns, ok := rr.(*dns.NS)
		if !ok || !strings.EqualFold(ns.Hdr.Name, zone) {
			continue
		}
		target := strings.ToLower(ns.Ns)
		if dns.IsSubDomain(zone, target) && !addressed[target] && !contains(out, target) {
			out = append(out, target)
		}
	}
	return out
}
