package policy_test

import (
	"strconv"
	"strings"
	"testing"
)

// nameOf returns a name under test. that is octets bytes long on the wire (199 to 262).
func nameOf(octets int) string {
	l := strings.Repeat("a", 63)
	return l + "." + l + "." + l + "." + strings.Repeat("b", octets-199) + ".test"
}

// Found by the randomized differential run against BIND (test/random_differential_test.go): a long
// domain name left no room for the labels its records put in front of it, and the records at names
// over 255 octets broke every transfer of their zone, and BIND refused the exported zone file.
func TestNamesOverTheDNSLimitAreRefused(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // each "line:col: the start of the message", in file order
	}{
		{"a domain name of 256 octets", "domains:\n  " + nameOf(256) + ": {spf: [-all]}\n",
			[]string{`2:3: "` + nameOf(256) + `" is not a domain name (labels are at most 63 bytes, names at most 255)`}},
		{"a DMARC record at a name of 256 octets", "domains:\n  " + nameOf(249) + ":\n    dmarc: {p: none}\n",
			[]string{"3:5: the DMARC record would be published at _dmarc." + nameOf(249) + ", 256 bytes long, over the 255"}},
		{"a DKIM key record and an ADSP record at names too long", "domains:\n  " + nameOf(243) + ":\n    dkim:\n      S1: {revoked: true}\n    adsp: all\n",
			[]string{`4:7: the key record of dkim selector "S1" would be published at s1._domainkey.` + nameOf(243) + ", 257 bytes long",
				"5:11: the ADSP record would be published at _adsp._domainkey." + nameOf(243) + ", 260 bytes long"}},
		{"the records of a parked domain", "domains:\n  " + nameOf(243) + ": {parked: true}\n",
			[]string{"2:" + strconv.Itoa(len(nameOf(243))+14) + ": the revoked key record of a parked domain would be published at *._domainkey." + nameOf(243)}},
		{"a ptr template whose names would be too long", "networks:\n  - {prefix: 192.0.2.0/24, ptr: \"h-{ip}." + nameOf(214) + "\"}\n",
			[]string{`2:33: ptr "h-{ip}.` + nameOf(214) + `": the names would be up to 256 bytes long once {ip} is filled in`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			if p != nil || err == nil {
				t.Fatalf("loaded: %+v", p)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d errors, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], path+":"+w) {
					t.Errorf("error %d:\n%s\nwant it to start with:\n%s", i+1, lines[i], path+":"+w)
				}
			}
		})
	}
}

func TestNamesUpToTheDNSLimitLoad(t *testing.T) {
	for name, body := range map[string]string{
		"a domain name of 255 octets":            "domains:\n  " + nameOf(255) + ": {spf: [-all]}\n",
		"a DMARC record at a name of 255 octets": "domains:\n  " + nameOf(248) + ": {dmarc: {p: none}}\n",
		"a ptr template filled in to 255 octets": "networks:\n  - {prefix: 192.0.2.0/24, ptr: \"h-{ip}." + nameOf(213) + "\"}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := loadBody(t, body); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAReportAuthorizationAtANameTooLongIsWarnedOfNotPublished(t *testing.T) {
	body := "domains:\n  example.org:\n    dmarc: {p: none, rua: [\"mailto:d@" + nameOf(250) + "\"]}\n  " + nameOf(250) + ": {spf: [-all]}\n"
	path, p := loadWarnings(t, body)
	if len(p.ReportAuthorizations) != 0 {
		t.Errorf("published %+v", p.ReportAuthorizations)
	}
	want := path + ":3:28: dmarc tag rua: reports for example.org go to " + nameOf(250) + ", which would have to publish example.org._report._dmarc." + nameOf(250) + "., a name over the 255 bytes DNS allows"
	if len(p.Warnings) != 1 || !strings.HasPrefix(p.Warnings[0].Error(), want) {
		t.Errorf("warnings %v\nwant one starting with %s", p.Warnings, want)
	}
}

// Found by the randomized differential run against BIND: names holding bytes that zone files give
// a meaning to were kept as written, while queries spell them escaped, and got NXDOMAIN.
func TestNamesAreKeptAsQueriesSpellThem(t *testing.T) {
	_, p, err := loadBody(t, `domains:
  "dx;wh.Example.org": {spf: [-all], dkim: {"S(1)": {revoked: true}}, bimi: {l: "https://example.org/l.svg", selector: "b'x"}, dmarc: {p: reject}}
  'B\065R.example.org': {spf: [-all]}
hosts:
  "h\"x.example.org": [192.0.2.1]
networks:
  - {prefix: 192.0.2.128/25, ptr: "h;{ip}.example.org"}
`)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{p.Domains[0].Name, p.Domains[1].Name, p.Domains[1].Selectors[0].Name, p.Domains[1].BIMI.Selector, p.Hosts[0].Name, p.Networks[0].Template}
	want := []string{`bar.example.org.`, `dx\;wh.example.org.`, `s\(1\)`, `b\'x`, `h\"x.example.org.`, `h\;{ip}.example.org.`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("names %q\nwant %q", got, want)
	}
}
