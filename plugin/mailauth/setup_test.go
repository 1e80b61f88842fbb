package mailauth

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/caddy"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

func TestParseReadsPolicyZonesAndFallthrough(t *testing.T) {
	tests := []struct {
		name, input string
		zones       []string
		fallsFor    string // a name fallthrough must cover, "" when it must not be set
		err         string
	}{
		{"policy alone takes the server block's zones", `mailauth zones/mail.yaml`, []string{"example.org."}, "", ""},
		{"zones after the policy restrict it", `mailauth zones/mail.yaml example.org 192.0.2.0/24`, []string{"example.org.", "2.0.192.in-addr.arpa."}, "", ""},
		{"fallthrough with no zones covers all", "mailauth zones/mail.yaml {\n fallthrough\n}", []string{"example.org."}, "www.example.org.", ""},
		{"no policy is an error", `mailauth`, nil, "", "Wrong argument count"},
		{"unknown property is an error", "mailauth zones/mail.yaml {\n bogus\n}", nil, "", `unknown property "bogus"`},
		{"twice in a block is an error", "mailauth a.yaml\nmailauth b.yaml", nil, "", "only be used once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := caddy.NewTestController("dns", tc.input)
			c.ServerBlockKeys = []string{"example.org."}
			m, err := parse(c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Policy != "zones/mail.yaml" {
				t.Errorf("policy %q", m.Policy)
			}
			if strings.Join(m.Zones, " ") != strings.Join(tc.zones, " ") {
				t.Errorf("zones %v, want %v", m.Zones, tc.zones)
			}
			if got := m.Fall.Through("www.example.org."); got != (tc.fallsFor != "") {
				t.Errorf("fallthrough %v", got)
			}
		})
	}
}

func TestSetupFailsOnAnInvalidPolicyNamingFileAndLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	writeFile(t, path, "domains:\n  example.org:\n    spf: [\"ip4:192.0.2.0/33\"]\n")
	c := caddy.NewTestController("dns", "mailauth "+path)
	c.ServerBlockKeys = []string{"example.org."}
	err := setup(c)
	want := path + `:3:11: SPF term "ip4:192.0.2.0/33": ip4 prefix length 33 is over 32`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

// While another instance answers queries (a CoreDNS reload starts the new ones beside the old),
// the load in setup steps aside for them; at a cold start it runs at full speed.
func TestSetupPacesItsLoadOnlyWhileAnInstanceServes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, string(benchdata.Generate(300, 0, 1).Policy))
	run := func() int64 {
		loaded.Delete(path) // no load to share: each setup parses
		before := pace.Pauses()
		c := caddy.NewTestController("dns", "mailauth "+path)
		c.ServerBlockKeys = []string{"bench.test."}
		if err := setup(c); err != nil {
			t.Fatal(err)
		}
		return pace.Pauses() - before
	}
	if n := run(); n != 0 {
		t.Errorf("cold start: %d pauses", n)
	}
	serving.Add(1)
	defer serving.Add(-1)
	if n := run(); n == 0 {
		t.Error("beside a serving instance: no pause")
	}
}
