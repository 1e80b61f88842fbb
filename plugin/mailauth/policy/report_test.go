package policy_test

import (
	"reflect"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func TestDMARCReportAuthorization(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		warn  []string // each "line:col: message"
		auths []policy.ReportAuthorization
	}{
		{
			name: "a report address on a domain served elsewhere is a warning that prints the record to add",
			body: "domains:\n  example.org:\n    dmarc:\n      p: none\n      rua: [\"mailto:dmarc@example.org\", \"mailto:d@Example.NET!10m\"]\n",
			warn: []string{`5:41: dmarc tag rua: reports for example.org go to example.net, which must publish: example.org._report._dmarc.example.net. IN TXT "v=DMARC1"`},
		},
		{
			name: "rua and ruf to the same other domain warn once, at the first",
			body: "domains:\n  example.org:\n    dmarc: {p: none, ruf: [\"mailto:f@reports.example.net\"], rua: [\"mailto:a@reports.example.net\"]}\n",
			warn: []string{`3:67: dmarc tag rua: reports for example.org go to reports.example.net, which must publish: example.org._report._dmarc.reports.example.net. IN TXT "v=DMARC1"`},
		},
		{
			name: "the same organizational domain needs no authorization, under a two-label public suffix too",
			body: "domains:\n  example.org:\n    dmarc: {p: none, rua: [\"mailto:d@reports.example.org\"]}\n  mail.example.co.uk:\n    dmarc: {p: none, rua: [\"mailto:d@example.co.uk\"]}\n",
		},
		{
			name: "a public suffix of two labels does not make its domains one organization",
			body: "domains:\n  example.co.uk:\n    dmarc: {p: none, ruf: [\"mailto:d@other.co.uk\"]}\n",
			warn: []string{`3:28: dmarc tag ruf: reports for example.co.uk go to other.co.uk, which must publish: example.co.uk._report._dmarc.other.co.uk. IN TXT "v=DMARC1"`},
		},
		{
			name: "a report domain this policy serves gets the record published, with the ttl of the domain serving it",
			body: "domains:\n  example.org:\n    dmarc: {p: none, rua: [\"mailto:d@example.net\"], ruf: [\"mailto:f@example.net\", \"mailto:f@in.reports.example.com\"]}\n" +
				"  example.net:\n    ttl: 600\n  reports.example.com:\n    ttl: 60\n  example.com:\n",
			auths: []policy.ReportAuthorization{
				{Domain: "example.org.", Dest: "example.net.", TTL: 600},
				{Domain: "example.org.", Dest: "in.reports.example.com.", TTL: 60},
			},
		},
		{
			name: "several domains reporting to one served domain each get a record",
			body: "domains:\n  b.example:\n    dmarc: {p: none, rua: [\"mailto:d@example.net\"]}\n  a.example:\n    dmarc: {p: none, rua: [\"mailto:d@example.net\"]}\n  example.net:\n",
			auths: []policy.ReportAuthorization{
				{Domain: "a.example.", Dest: "example.net.", TTL: 3600},
				{Domain: "b.example.", Dest: "example.net.", TTL: 3600},
			},
		},
		{
			name: "a report URI that is not mailto: is left alone",
			body: "domains:\n  example.org:\n    dmarc: {p: none, rua: [\"https://reports.example.net/dmarc\"]}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p := loadWarnings(t, tt.body)
			assertMessages(t, path, p.Warnings, tt.warn...)
			if !reflect.DeepEqual(p.ReportAuthorizations, tt.auths) {
				t.Errorf("authorizations %+v\nwant %+v", p.ReportAuthorizations, tt.auths)
			}
		})
	}
}

func TestReportAuthorizationOwner(t *testing.T) {
	a := policy.ReportAuthorization{Domain: "example.org.", Dest: "example.net."}
	if got, want := a.Owner(), "example.org._report._dmarc.example.net."; got != want {
		t.Errorf("owner %q, want %q", got, want)
	}
}
