package test

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// xfrCorefile is Corefile.example with zone transfers allowed to anyone on loopback.
const xfrCorefile = `example.org {
    bind 127.0.0.1
    mailauth %[1]s {
        fallthrough
    }
    file zones/db.example.org
    transfer {
        to *
    }
}
example.net 192.0.2.0/24 64-26.2.0.192.in-addr.arpa 198.51.100.0/24 2001:db8::/32 {
    bind 127.0.0.1
    mailauth %[1]s
    transfer {
        to *
    }
}
`

func TestEveryTransferableZonePassesNamedCheckzone(t *testing.T) {
	checkzone := requireTool(t, "named-checkzone")
	s := start(t, fmt.Sprintf(xfrCorefile, "test/testdata/bind/mail.yaml"))
	for _, z := range bindZones {
		rrs := axfr(t, s, z)
		var zone bytes.Buffer
		for _, rr := range rrs[:len(rrs)-1] { // the closing SOA repeats the first
			fmt.Fprintln(&zone, rr.String())
		}
		path := filepath.Join(t.TempDir(), "zone")
		writeText(t, path, zone.String())
		out, err := exec.Command(checkzone, "-i", "local", z, path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "OK") {
			t.Errorf("%s: named-checkzone: %v\n%s", z, err, out)
		}
	}
}

func TestTheTransferOfAZoneBesideFileIsTheMergedZone(t *testing.T) {
	s := start(t, fmt.Sprintf(xfrCorefile, "test/testdata/bind/mail.yaml"))
	rrs := axfr(t, s, "example.org.")
	var lines []string
	for _, rr := range rrs {
		lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		`example.org. 3600 IN MX 10 mail.example.org.`,                      // from the zone file
		`www.example.org. 3600 IN CNAME example.org.`,                       // from the zone file
		`example.org. 3600 IN TXT "google-site-verification=3Ex4mpleT0ken"`, // both at one name
		`example.org. 3600 IN TXT "v=spf1 mx ip4:192.0.2.0/24 include:example.net ~all"`,
		`old2025._domainkey.example.org. 3600 IN TXT "v=DKIM1; p="`,
		`mail.example.org. 3600 IN A 192.0.2.10`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("transfer lacks %s", want)
		}
	}
	first, last := rrs[0].(*dns.SOA), rrs[len(rrs)-1].(*dns.SOA)
	if first.Serial != last.Serial || first.Serial != soaSerial(t, s, "example.org.") {
		t.Errorf("SOA serials: first %d, last %d, answered %d", first.Serial, last.Serial, soaSerial(t, s, "example.org."))
	}
}

func TestAZoneWithANetworkTooLargeToListIsRefusedNeverSentPartially(t *testing.T) {
	logs := captureLog(t)
	s := start(t, fmt.Sprintf(xfrCorefile, "zones/mail.yaml"))
	// zones/mail.yaml has an IPv6 /48 network: its PTRs fill 8.b.d.0.1.0.0.2.ip6.arpa and its names
	// fill example.org (v6-{ip}.pool.example.org).
	for _, z := range []string{"8.b.d.0.1.0.0.2.ip6.arpa.", "example.org."} {
		m := new(dns.Msg)
		m.SetAxfr(z)
		env, err := new(dns.Transfer).In(m, s.tcp)
		if err == nil {
			for e := range env {
				if e.Error == nil && len(e.RR) > 0 {
					t.Errorf("%s: got %d records of a zone that cannot be sent whole", z, len(e.RR))
				}
				err = e.Error
			}
		}
		if err == nil {
			t.Errorf("%s: transfer did not fail", z)
		}
	}
	eventually(t, 5*time.Second, func() bool {
		return strings.Contains(logs.String(), "refusing transfer of 8.b.d.0.1.0.0.2.ip6.arpa.: network 2001:db8:100::/48 puts 2^80 addresses in the zone, more than the 65536 a transfer may list")
	})
	// The other zones still transfer.
	if n := len(axfr(t, s, "100.51.198.in-addr.arpa.")); n != 256+2+2 {
		t.Errorf("100.51.198.in-addr.arpa.: %d records, want 256 PTRs, 2 NS and the SOA twice", n)
	}
}

func TestIXFRIsAnsweredWithTheSOAWhenCurrentAndWithTheWholeZoneOtherwise(t *testing.T) {
	s := start(t, fmt.Sprintf(xfrCorefile, "test/testdata/bind/mail.yaml"))
	serial := soaSerial(t, s, "example.net.")
	for _, tc := range []struct {
		serial  uint32
		records int
	}{{serial, 1}, {serial - 1, len(axfr(t, s, "example.net."))}} {
		m := new(dns.Msg)
		m.SetIxfr("example.net.", tc.serial, "ns1.example.org.", "hostmaster.example.org.")
		env, err := new(dns.Transfer).In(m, s.tcp)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for e := range env {
			if e.Error != nil {
				t.Fatal(e.Error)
			}
			n += len(e.RR)
		}
		if n != tc.records {
			t.Errorf("IXFR from %d: %d records, want %d", tc.serial, n, tc.records)
		}
	}
}
