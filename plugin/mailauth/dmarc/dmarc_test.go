package dmarc

import (
	"reflect"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dmarc"
)

func intp(n int) *int          { return &n }
func uint32p(n uint32) *uint32 { return &n }

// valid returns a minimal valid policy with change applied.
func valid(change func(*Policy)) Policy {
	p := Policy{P: "none"}
	change(&p)
	return p
}

func TestValidateChecksEveryTag(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   string // "" when the policy is valid
	}{
		{"p alone is a valid policy", Policy{P: "none"}, ""},
		{"p in capitals is accepted", Policy{P: "Reject"}, ""},
		{"a missing p is rejected", Policy{SP: "reject"}, "dmarc tag p: is required; use one of none, quarantine, reject"},
		{"a misspelt p is rejected", Policy{P: "quarantined"}, `dmarc tag p: "quarantined" is not one of none, quarantine, reject`},
		{"sp quarantine is accepted", valid(func(p *Policy) { p.SP = "quarantine" }), ""},
		{"a wrong sp is rejected", valid(func(p *Policy) { p.SP = "block" }), `dmarc tag sp: "block" is not one of none, quarantine, reject`},
		{"np reject is accepted", valid(func(p *Policy) { p.NP = "reject" }), ""},
		{"a wrong np is rejected", valid(func(p *Policy) { p.NP = "deny" }), `dmarc tag np: "deny" is not one of none, quarantine, reject`},
		{"pct 0 is accepted", valid(func(p *Policy) { p.PCT = intp(0) }), ""},
		{"pct 100 is accepted", valid(func(p *Policy) { p.PCT = intp(100) }), ""},
		{"pct over 100 is rejected", valid(func(p *Policy) { p.PCT = intp(120) }), "dmarc tag pct: 120 is over 100"},
		{"a negative pct is rejected", valid(func(p *Policy) { p.PCT = intp(-1) }), "dmarc tag pct: -1 is below 0"},
		{"rua with two URIs is accepted", valid(func(p *Policy) { p.RUA = []string{"mailto:a@example.org", "mailto:b@example.net!10m"} }), ""},
		{"rua without a scheme is rejected with a hint", valid(func(p *Policy) { p.RUA = []string{"dmarc@example.org"} }), `dmarc tag rua: "dmarc@example.org" is not a URI (did you mean "mailto:dmarc@example.org"?)`},
		{"an empty rua entry is rejected", valid(func(p *Policy) { p.RUA = []string{"mailto:a@example.org", ""} }), "dmarc tag rua: entry 2 is empty"},
		{"ruf with a size limit is accepted", valid(func(p *Policy) { p.RUF = []string{"mailto:forensic@example.org!1k"} }), ""},
		{"ruf with a raw comma is rejected", valid(func(p *Policy) { p.RUF = []string{"mailto:a@example.org,b@example.org"} }), `dmarc tag ruf: "mailto:a@example.org,b@example.org" contains ","; write it as %2C because a comma separates URIs`},
		{"adkim s is accepted", valid(func(p *Policy) { p.ADKIM = "s" }), ""},
		{"adkim spelt out is rejected with a hint", valid(func(p *Policy) { p.ADKIM = "strict" }), `dmarc tag adkim: "strict" is not one of r, s (did you mean "s"?)`},
		{"aspf r is accepted", valid(func(p *Policy) { p.ASPF = "r" }), ""},
		{"aspf spelt out is rejected with a hint", valid(func(p *Policy) { p.ASPF = "relaxed" }), `dmarc tag aspf: "relaxed" is not one of r, s (did you mean "r"?)`},
		{"fo with every option is accepted", valid(func(p *Policy) { p.FO = []string{"0", "1", "d", "s"} }), ""},
		{"an unknown fo option is rejected", valid(func(p *Policy) { p.FO = []string{"1", "2"} }), `dmarc tag fo: "2" is not one of 0, 1, d, s`},
		{"an empty fo entry is rejected", valid(func(p *Policy) { p.FO = []string{""} }), "dmarc tag fo: entry 1 is empty"},
		{"rf afrf in capitals is accepted", valid(func(p *Policy) { p.RF = []string{"AFRF"} }), ""},
		{"an unknown rf format is rejected", valid(func(p *Policy) { p.RF = []string{"iodef"} }), `dmarc tag rf: "iodef" is not one of afrf`},
		{"ri of a day is accepted", valid(func(p *Policy) { p.RI = uint32p(86400) }), ""},
		{"ri of zero is rejected", valid(func(p *Policy) { p.RI = uint32p(0) }), "dmarc tag ri: 0 is not an interval; give the seconds between reports, e.g. 86400"},
		{"t y is accepted", valid(func(p *Policy) { p.T = "y" }), ""},
		{"a spelt-out t is rejected", valid(func(p *Policy) { p.T = "yes" }), `dmarc tag t: "yes" is not one of y, n`},
		{"psd u is accepted", valid(func(p *Policy) { p.PSD = "u" }), ""},
		{"a wrong psd is rejected", valid(func(p *Policy) { p.PSD = "x" }), `dmarc tag psd: "x" is not one of y, n, u`},
		{"the first wrong tag in record order is reported", Policy{P: "none", PSD: "x", PCT: intp(101)}, "dmarc tag pct: 101 is over 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() failed: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("Validate() succeeded, want %q", tt.want)
			case tt.want != "" && err.Error() != tt.want:
				t.Errorf("Validate() = %q, want %q", err, tt.want)
			}
		})
	}
}

// recordCases are shared by the rendering test and the go-msgauth round trip.
var recordCases = []struct {
	name   string
	policy Policy
	want   string
}{
	{"p alone renders only the version and p", Policy{P: "none"}, "v=DMARC1; p=none"},
	{
		"the mail policy file example renders in tag order",
		Policy{P: "quarantine", RUA: []string{"mailto:dmarc@example.org"}, ADKIM: "s", ASPF: "s", PCT: intp(100)},
		"v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc@example.org; adkim=s; aspf=s",
	},
	{
		"every tag renders in the fixed order",
		Policy{
			P: "reject", SP: "quarantine", NP: "reject", PCT: intp(50),
			RUA: []string{"mailto:a@example.org", "mailto:b@example.net!10m"},
			RUF: []string{"mailto:f@example.org"}, ADKIM: "r", ASPF: "s",
			FO: []string{"1", "d"}, RF: []string{"afrf"}, RI: uint32p(3600), T: "n", PSD: "y",
		},
		"v=DMARC1; p=reject; sp=quarantine; np=reject; pct=50; rua=mailto:a@example.org,mailto:b@example.net!10m; ruf=mailto:f@example.org; adkim=r; aspf=s; fo=1:d; rf=afrf; ri=3600; t=n; psd=y",
	},
	{
		"keywords are written in lower case",
		Policy{P: "REJECT", SP: "None", ADKIM: "S", FO: []string{"D"}, RF: []string{"AFRF"}},
		"v=DMARC1; p=reject; sp=none; adkim=s; fo=d; rf=afrf",
	},
	{"a zero pct is still written", Policy{P: "none", PCT: intp(0)}, "v=DMARC1; p=none; pct=0"},
	{"empty lists are left out", Policy{P: "none", RUA: []string{}, FO: []string{}}, "v=DMARC1; p=none"},
}

func TestRecordRendersTagsInFixedOrder(t *testing.T) {
	for _, tt := range recordCases {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.Validate(); err != nil {
				t.Fatalf("the test policy is invalid: %v", err)
			}
			if got := tt.policy.Record(); got != tt.want {
				t.Errorf("Record() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRecordParsesBackWithGoMsgauth(t *testing.T) {
	failureBits := map[string]msgauth.FailureOptions{
		"0": msgauth.FailureAll, "1": msgauth.FailureAny, "d": msgauth.FailureDKIM, "s": msgauth.FailureSPF,
	}
	alignment := func(s string) msgauth.AlignmentMode {
		if s == "" {
			return msgauth.AlignmentRelaxed // the RFC 7489 default
		}
		return msgauth.AlignmentMode(strings.ToLower(s))
	}
	for _, tt := range recordCases {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			rec, err := msgauth.Parse(p.Record())
			if err != nil {
				t.Fatalf("dmarc.Parse(%q) failed: %v", p.Record(), err)
			}
			if got, want := string(rec.Policy), strings.ToLower(p.P); got != want {
				t.Errorf("p = %q, want %q", got, want)
			}
			if got, want := string(rec.SubdomainPolicy), strings.ToLower(p.SP); got != want {
				t.Errorf("sp = %q, want %q", got, want)
			}
			if !reflect.DeepEqual(rec.Percent, p.PCT) {
				t.Errorf("pct = %v, want %v", rec.Percent, p.PCT)
			}
			if !sameList(rec.ReportURIAggregate, p.RUA) || !sameList(rec.ReportURIFailure, p.RUF) {
				t.Errorf("rua, ruf = %q, %q, want %q, %q", rec.ReportURIAggregate, rec.ReportURIFailure, p.RUA, p.RUF)
			}
			if rec.DKIMAlignment != alignment(p.ADKIM) || rec.SPFAlignment != alignment(p.ASPF) {
				t.Errorf("adkim, aspf = %q, %q, want %q, %q", rec.DKIMAlignment, rec.SPFAlignment, alignment(p.ADKIM), alignment(p.ASPF))
			}
			var fo msgauth.FailureOptions
			for _, o := range p.FO {
				fo |= failureBits[strings.ToLower(o)]
			}
			if rec.FailureOptions != fo {
				t.Errorf("fo = %b, want %b", rec.FailureOptions, fo)
			}
			if len(rec.ReportFormat) != len(p.RF) {
				t.Errorf("rf = %q, want %q", rec.ReportFormat, p.RF)
			}
			var ri time.Duration
			if p.RI != nil {
				ri = time.Duration(*p.RI) * time.Second
			}
			if rec.ReportInterval != ri {
				t.Errorf("ri = %v, want %v", rec.ReportInterval, ri)
			}
		})
	}
}

// sameList treats nil and empty as equal, as an absent tag parses to nil.
func sameList(got, want []string) bool {
	if len(got) == 0 && len(want) == 0 {
		return true
	}
	return reflect.DeepEqual(got, want)
}

func TestReportDomainsListsMailtoDomainsOnce(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   []string
	}{
		{"no report URIs give no domains", Policy{P: "none"}, nil},
		{"one rua gives its domain", Policy{P: "none", RUA: []string{"mailto:dmarc@example.org"}}, []string{"example.org"}},
		{
			"domains are lowercased and deduplicated across rua and ruf in order",
			Policy{P: "none", RUA: []string{"mailto:a@Example.ORG!10m", "mailto:b@reports.example.net"}, RUF: []string{"mailto:c@example.org", "mailto:d@third.example"}},
			[]string{"example.org", "reports.example.net", "third.example"},
		},
		{"non-mailto URIs are skipped", Policy{P: "none", RUA: []string{"https://example.com/r", "mailto:x@example.net"}}, []string{"example.net"}},
		{"mailto URIs without a domain are skipped", Policy{P: "none", RUA: []string{"mailto:nobody", "mailto:x@"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.ReportDomains(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReportDomains() = %q, want %q", got, tt.want)
			}
		})
	}
}
