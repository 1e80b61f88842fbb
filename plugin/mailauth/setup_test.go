package mailauth

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/caddy"
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
