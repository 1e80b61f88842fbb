// Package dmarc validates the DMARC tags written in the mail policy file and
// renders the TXT record published at _dmarc.<domain>.
//
// Tag syntax follows RFC 7489 section 6.3 (record format) and 6.2 (report
// URIs); np, t and psd come from DMARCbis (draft-ietf-dmarc-dmarcbis).
// Record and ReportDomains do not validate, so call Validate first.
package dmarc

import (
	"fmt"
	"strconv"
	"strings"
)

// Policy is a DMARC record's tags as written in the mail policy file; zero values mean "absent".
type Policy struct {
	P, SP, NP   string   // none | quarantine | reject (P required)
	PCT         *int     // 0..100
	RUA, RUF    []string // URIs per RFC 7489 6.2: scheme ":" ..., optional "!" size with unit k/m/g/t; mailto: addresses must have a local part and a domain; commas and semicolons are not allowed inside a URI unless percent-encoded
	ADKIM, ASPF string   // r | s
	FO          []string // each one of 0, 1, d, s
	RF          []string // each "afrf" (case-insensitive, store lowercase)
	RI          *uint32  // seconds between aggregate reports, 1 or more
	T           string   // DMARCbis: y | n
	PSD         string   // DMARCbis: y | n | u
}

// Keyword values are matched without regard to case, as RFC 5234 makes ABNF
// strings case-insensitive, and Record writes them in lower case because
// some receivers compare them case-sensitively.
var (
	policies   = []string{"none", "quarantine", "reject"}
	alignments = []string{"r", "s"}
	failures   = []string{"0", "1", "d", "s"}
	formats    = []string{"afrf"}
	yesNo      = []string{"y", "n"}
	psdValues  = []string{"y", "n", "u"}
)

// Validate returns an error naming the first tag whose value is wrong, e.g. `dmarc tag p: "quarantined" is not one of none, quarantine, reject` or `dmarc tag rua: "dmarc@example.org" is not a URI (did you mean "mailto:dmarc@example.org"?)` or `dmarc tag pct: 120 is over 100`.
func (p Policy) Validate() error {
	if p.P == "" {
		return tagError("p", "is required; use one of none, quarantine, reject")
	}
	checks := []struct {
		tag, value string
		allowed    []string
	}{
		{"p", p.P, policies},
		{"sp", p.SP, policies},
		{"np", p.NP, policies},
	}
	for _, c := range checks {
		if err := checkKeyword(c.tag, c.value, c.allowed); err != nil {
			return err
		}
	}
	if p.PCT != nil {
		switch n := *p.PCT; {
		case n < 0:
			return tagError("pct", fmt.Sprintf("%d is below 0", n))
		case n > 100:
			return tagError("pct", fmt.Sprintf("%d is over 100", n))
		}
	}
	if err := checkURIs("rua", p.RUA); err != nil {
		return err
	}
	if err := checkURIs("ruf", p.RUF); err != nil {
		return err
	}
	if err := checkKeyword("adkim", p.ADKIM, alignments); err != nil {
		return err
	}
	if err := checkKeyword("aspf", p.ASPF, alignments); err != nil {
		return err
	}
	if err := checkList("fo", p.FO, failures); err != nil {
		return err
	}
	if err := checkList("rf", p.RF, formats); err != nil {
		return err
	}
	// RFC 7489's grammar admits ri=0, but a zero interval means nothing and
	// common parsers (go-msgauth among them) reject the whole record for it.
	if p.RI != nil && *p.RI == 0 {
		return tagError("ri", "0 is not an interval; give the seconds between reports, e.g. 86400")
	}
	if err := checkKeyword("t", p.T, yesNo); err != nil {
		return err
	}
	return checkKeyword("psd", p.PSD, psdValues)
}

// Record renders "v=DMARC1; p=...;" followed by the present tags in this fixed order: sp, np, pct, rua, ruf, adkim, aspf, fo, rf, ri, t, psd; separator "; "; lists joined with "," (fo joined with ":", rf with ":"); no trailing semicolon.
func (p Policy) Record() string {
	tags := []string{"v=DMARC1", "p=" + strings.ToLower(p.P)}
	add := func(name, value string) {
		if value != "" {
			tags = append(tags, name+"="+value)
		}
	}
	add("sp", strings.ToLower(p.SP))
	add("np", strings.ToLower(p.NP))
	if p.PCT != nil {
		add("pct", strconv.Itoa(*p.PCT))
	}
	add("rua", strings.Join(p.RUA, ","))
	add("ruf", strings.Join(p.RUF, ","))
	add("adkim", strings.ToLower(p.ADKIM))
	add("aspf", strings.ToLower(p.ASPF))
	add("fo", strings.ToLower(strings.Join(p.FO, ":")))
	add("rf", strings.ToLower(strings.Join(p.RF, ":")))
	if p.RI != nil {
		add("ri", strconv.FormatUint(uint64(*p.RI), 10))
	}
	add("t", strings.ToLower(p.T))
	add("psd", strings.ToLower(p.PSD))
	return strings.Join(tags, "; ")
}

// ReportDomains returns the lowercased domains of the mailto: addresses in rua and ruf, deduplicated, in order of appearance (later used to check RFC 7489 7.1 external report authorization).
func (p Policy) ReportDomains() []string {
	var out []string
	seen := map[string]bool{}
	for _, uri := range append(append([]string(nil), p.RUA...), p.RUF...) {
		_, domain, ok := mailtoAddress(uri)
		if !ok || domain == "" {
			continue
		}
		domain = strings.ToLower(strings.TrimSuffix(domain, "."))
		if !seen[domain] {
			seen[domain] = true
			out = append(out, domain)
		}
	}
	return out
}

func tagError(tag, msg string) error {
	return fmt.Errorf("dmarc tag %s: %s", tag, msg)
}

// checkKeyword accepts an absent value or one of allowed, ignoring case.
func checkKeyword(tag, value string, allowed []string) error {
	if value == "" {
		return nil
	}
	for _, a := range allowed {
		if strings.EqualFold(value, a) {
			return nil
		}
	}
	msg := fmt.Sprintf("%q is not one of %s", value, strings.Join(allowed, ", "))
	// Spelt-out alignment modes are a common slip.
	switch strings.ToLower(value) {
	case "relaxed":
		msg += ` (did you mean "r"?)`
	case "strict":
		msg += ` (did you mean "s"?)`
	}
	return tagError(tag, msg)
}

// checkList checks each entry of a colon-separated tag.
func checkList(tag string, values, allowed []string) error {
	for i, v := range values {
		if v == "" {
			return tagError(tag, fmt.Sprintf("entry %d is empty", i+1))
		}
		if err := checkKeyword(tag, v, allowed); err != nil {
			return err
		}
	}
	return nil
}

// checkURIs checks each report URI of rua or ruf.
func checkURIs(tag string, uris []string) error {
	for i, u := range uris {
		if u == "" {
			return tagError(tag, fmt.Sprintf("entry %d is empty", i+1))
		}
		if err := checkURI(u); err != nil {
			return tagError(tag, err.Error())
		}
	}
	return nil
}
