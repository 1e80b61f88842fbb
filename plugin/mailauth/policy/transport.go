package policy

import (
	"errors"
	"net/url"
	"strings"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/smtptls"
)

// defaultMaxAge is the max_age of an MTA-STS policy that sets none: one week, what RFC 8461
// 3.2's example and the large mail providers use.
const defaultMaxAge = 604800

// mtaSTS checks an MTA-STS policy (RFC 8461). Its record, at _mta-sts.DOMAIN, carries an id
// derived from the policy text; the text itself is served over HTTPS by the admin's web server.
func (c *checker) mtaSTS(d *mtaSTSDoc, dom Domain, path []any) *smtptls.STS {
	if d == nil {
		return nil
	}
	at := func(key string, i ...any) []any { return append(append(path[:len(path):len(path)], key), i...) }
	s := smtptls.STS{Mode: strings.ToLower(strings.TrimSpace(d.Mode)), MaxAge: defaultMaxAge}
	if d.Mode == "" {
		c.errorf(path, "mta_sts needs a mode: enforce, testing or none")
		return nil
	}
	for _, p := range d.MX {
		s.MX = append(s.MX, strings.ToLower(strings.TrimSpace(p)))
	}
	if d.MaxAge != nil {
		if *d.MaxAge < 0 || *d.MaxAge > smtptls.MaxAge {
			c.errorf(at("max_age"), "mta_sts max_age %d is out of range (0 to %d, a year)", *d.MaxAge, smtptls.MaxAge)
			return nil
		}
		s.MaxAge = uint32(*d.MaxAge)
	}
	if err := s.Validate(); err != nil {
		var mxErr *smtptls.MXError
		switch {
		case errors.As(err, &mxErr):
			c.errorf(at("mx", mxErr.Index), "mta_sts %s", err)
		case strings.HasPrefix(err.Error(), "mode:"):
			c.errorf(at("mode"), "mta_sts %s", err)
		case strings.HasPrefix(err.Error(), "mx:"):
			c.errorf(path, "mta_sts %s", err)
		default:
			c.errorf(at("max_age"), "mta_sts %s", err)
		}
		return nil
	}
	if dom.NullMX() {
		c.errorf(path, "mta_sts: %s has the null MX and receives no mail, so there is no transport to secure", trimDot(dom.Name))
		return nil
	}
	if s.Mode != "none" {
		for _, mx := range dom.MX {
			if !s.Matches(trimDot(mx.Target)) {
				c.warnf(at("mx"), "mta_sts: the MX host %s matches none of the mx patterns, so senders applying the policy (mode %s) do not deliver to it",
					trimDot(mx.Target), s.Mode)
			}
		}
	}
	return &s
}

// tlsRPT checks where TLS reports go (RFC 8460) and returns the record for _smtp._tls.DOMAIN.
func (c *checker) tlsRPT(d *tlsRPTDoc, path []any) string {
	if d == nil {
		return ""
	}
	r := smtptls.TLSRPT{}
	for _, u := range d.RUA {
		r.RUA = append(r.RUA, strings.TrimSpace(u))
	}
	if err := r.Validate(); err != nil {
		at := append(path[:len(path):len(path)], "rua")
		var ruaErr *smtptls.RUAError
		if errors.As(err, &ruaErr) {
			at = append(at, ruaErr.Index)
		} else if d.RUA == nil {
			at = path
		}
		c.errorf(at, "tls_rpt %s", err)
		return ""
	}
	return r.Record()
}

// bimi checks a BIMI assertion record (draft-brand-indicators-for-message-identification): the
// logo's https: URL (an SVG) and, optionally, the https: URL of its mark certificate (a PEM file).
// Receivers show the logo only for mail under a DMARC policy that enforces: quarantine or reject
// at pct=100, so the record is refused beside a weaker one (checked in bimiDMARC).
func (c *checker) bimi(d *bimiDoc, path []any) *BIMI {
	if d == nil {
		return nil
	}
	at := func(key string) []any { return append(path[:len(path):len(path)], key) }
	b := &BIMI{Selector: "default"}
	ok := true
	if d.Selector != "" {
		sel, err := canonicalName(d.Selector)
		if err != nil || strings.HasSuffix(strings.TrimSpace(d.Selector), ".") {
			c.errorf(at("selector"), "bimi selector %q is not a valid DNS label sequence", d.Selector)
			ok = false
		}
		b.Selector = strings.TrimSuffix(sel, ".")
	}
	if d.L == "" {
		c.errorf(path, "bimi needs l, the https: URL of the logo (an SVG Tiny PS file)")
		return nil
	}
	if err := httpsURL(d.L, ".svg"); err != nil {
		c.errorf(at("l"), "bimi l=%q %s", d.L, err)
		ok = false
	}
	if d.A != "" {
		if err := httpsURL(d.A, ".pem"); err != nil {
			c.errorf(at("a"), "bimi a=%q %s", d.A, err)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	b.Record = "v=BIMI1; l=" + d.L
	if d.A != "" {
		b.Record += "; a=" + d.A
	}
	return b
}

// httpsURL checks a BIMI URL: https:, a host, a path ending in ext, and none of the characters
// that end a tag or split a record.
func httpsURL(s, ext string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.User != nil:
		return errors.New("is not an https: URL with a host")
	case strings.ContainsAny(s, ",; \t"):
		return errors.New(`contains ",", ";" or a space; percent-encode it`)
	case !strings.HasSuffix(strings.ToLower(u.Path), ext):
		return errors.New("does not name a " + ext + " file")
	}
	return nil
}

// bimiDMARC refuses a BIMI record unless the domain's DMARC policy enforces at pct=100: its own
// DMARC record, or else that of the closest parent domain of the policy that publishes one (its
// sp, or p), as receivers look it up (RFC 7489 6.6.3).
func (c *checker) bimiDMARC(p *Policy, doc *document, keys map[string]string) {
	for _, d := range p.Domains {
		pace.Step()
		dd := doc.Domains[keys[d.Name]]
		if d.BIMI == nil || dd == nil {
			continue
		}
		at := []any{"domains", keys[d.Name], "bimi"}
		policy, pct, from, tag := "", 100, d.Name, "p"
		if dd.DMARC != nil {
			if d.DMARC == "" {
				continue // the DMARC record has errors of its own
			}
			policy = dd.DMARC.P
			if dd.DMARC.PCT != nil {
				pct = *dd.DMARC.PCT
			}
		} else {
			// A parent without a DMARC record publishes no _dmarc name: receivers look further up.
			parent := p.serving(parentName(d.Name))
			var pd *domainDoc
			for ; parent != nil && !parent.Parked; parent = p.serving(parentName(parent.Name)) {
				if pd = doc.Domains[keys[parent.Name]]; pd != nil && pd.DMARC != nil {
					break
				}
			}
			switch {
			case parent == nil:
			case parent.Parked:
				policy, from, tag = "reject", parent.Name, "sp"
			case parent.DMARC == "":
				continue // the parent's DMARC record has errors of its own
			default:
				policy, from, tag = pd.DMARC.SP, parent.Name, "sp"
				if policy == "" {
					policy, tag = pd.DMARC.P, "p"
				}
				if pd.DMARC.PCT != nil {
					pct = *pd.DMARC.PCT
				}
			}
		}
		policy = strings.ToLower(policy)
		switch {
		case policy == "":
			c.errorf(at, "bimi: %s has no DMARC policy; receivers show a BIMI logo only under DMARC p=quarantine or p=reject at pct=100", trimDot(d.Name))
		case policy != "quarantine" && policy != "reject" || pct != 100:
			whose := "the DMARC policy of " + trimDot(d.Name)
			if from != d.Name {
				whose = "the DMARC policy of " + trimDot(d.Name) + ", from the record of " + trimDot(from) + ","
			}
			c.errorf(at, "bimi: %s is %s=%s at pct=%d; receivers show a BIMI logo only under p=quarantine or p=reject at pct=100",
				whose, tag, policy, pct)
		}
	}
}

// parentName returns the name one label up, or "." for a top-level name.
func parentName(name string) string {
	if _, rest, ok := strings.Cut(name, "."); ok && rest != "" {
		return rest
	}
	return "."
}
