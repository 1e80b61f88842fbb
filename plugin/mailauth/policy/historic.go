package policy

import (
	"net/mail"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Sender ID (RFC 4406) and DomainKeys (RFC 4870) are historic: mail receivers moved to SPF and
// DKIM long ago. The how-tos admins still follow set them up, so the policy can publish them, and
// says on every load that they are historic.

// senderID returns the Sender ID record of a domain: "spf2.0/" with its scopes, then the terms of
// its SPF record. senderid is true (both scopes) or a list of scopes; spf is the SPF record built.
func (c *checker) senderID(d *domainDoc, spf string, path []any) string {
	if d.SenderID == nil {
		return ""
	}
	at := append(path[:len(path):len(path)], "senderid")
	var scopes []string
	switch v := d.SenderID.(type) {
	case bool:
		if !v {
			return ""
		}
		scopes = []string{"mfrom", "pra"}
	case []any:
		if len(v) == 0 {
			c.errorf(at, "senderid is an empty list: list the scopes (mfrom, pra), or write true for both")
			return ""
		}
		seen := map[string]bool{}
		for i, s := range v {
			scope, ok := s.(string)
			scope = strings.ToLower(strings.TrimSpace(scope))
			switch {
			case !ok || scope != "mfrom" && scope != "pra":
				c.errorf(append(at, i), "senderid scope %s is not one of mfrom, pra (RFC 4406 3.1)", c.text(append(at, i)))
				return ""
			case seen[scope]:
				c.errorf(append(at, i), "senderid scope %s is listed twice", scope)
				return ""
			}
			seen[scope] = true
			scopes = append(scopes, scope)
		}
	default:
		c.errorf(at, "senderid: wrong type: true or a list of scopes (mfrom, pra) expected, found %s", kindName(c.node(at...)))
		return ""
	}
	if d.SPF == nil {
		c.errorf(at, "senderid publishes the domain's SPF terms as a Sender ID record, but the domain has no spf")
		return ""
	}
	if spf == "" {
		return "" // the SPF terms have errors of their own
	}
	c.warnf(at, "senderid: Sender ID (RFC 4406) is historic: receivers check SPF instead, so the spf2.0 record helps only a receiver that still asks for it")
	return strings.TrimSpace("spf2.0/" + strings.Join(scopes, ",") + " " + strings.TrimPrefix(strings.TrimPrefix(spf, "v=spf1"), " "))
}

// text quotes the scalar at path as written, for messages about values of any type.
func (c *checker) text(path []any) string {
	switch n := c.node(path...); {
	case n == nil:
		return `""`
	case n.Kind == yaml.ScalarNode:
		return strconv.Quote(n.Value)
	default:
		return kindName(n)
	}
}

// domainKeys returns the DomainKeys policy record published at _domainkey.DOMAIN (RFC 4870
// 3.6.2.1): o=~ (some mail is signed, the default) or o=- (all of it), t=y for testing, r= the
// address for reports and n= a note.
func (c *checker) domainKeys(d *domainKeysDoc, path []any) string {
	if d == nil {
		return ""
	}
	at := func(key string) []any { return append(path[:len(path):len(path)], key) }
	ok := true
	o := d.O
	switch o {
	case "":
		o = "~" // also what `o: ~` (YAML null) decodes to
	case "~", "-":
	default:
		c.errorf(at("o"), `domainkeys o=%q is not "~" (some mail is signed) or "-" (all mail is signed); quote it in YAML`, d.O)
		ok = false
	}
	tags := []string{"o=" + o}
	switch strings.ToLower(d.T) {
	case "":
	case "y":
		tags = append(tags, "t=y")
	default:
		c.errorf(at("t"), `domainkeys t=%q: the only flag is "y" (testing)`, d.T)
		ok = false
	}
	if d.R != "" {
		a, err := mail.ParseAddress(d.R)
		if err != nil || a.Address != d.R || !strings.Contains(a.Address, "@") || strings.ContainsAny(d.R, ";") {
			c.errorf(at("r"), "domainkeys r=%q is not an email address such as postmaster@example.org (RFC 4870 takes no mailto:)", d.R)
			ok = false
		} else {
			tags = append(tags, "r="+d.R)
		}
	}
	if d.N != "" {
		if strings.ContainsAny(d.N, ";") || strings.IndexFunc(d.N, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
			c.errorf(at("n"), "domainkeys n= may hold printable ASCII without ';' only")
			ok = false
		} else {
			tags = append(tags, "n="+d.N)
		}
	}
	if !ok {
		return ""
	}
	c.warnf(path, "domainkeys: DomainKeys (RFC 4870) is historic, replaced by DKIM (RFC 6376): no current receiver reads this record; DMARC says what DKIM failures mean")
	return strings.Join(tags, "; ")
}

// domainKeysSelector turns the DKIM key record of a selector marked domainkeys: true into one that
// DomainKeys verifiers read too: without the leading v=DKIM1, which RFC 4870 does not know and
// DKIM makes optional (RFC 6376 3.6.1). DomainKeys signs with RSA only.
func (c *checker) domainKeysSelector(raw string, record string, algorithm string, path []any) (string, bool) {
	at := append(path[:len(path):len(path)], "domainkeys")
	if algorithm != "" && algorithm != "rsa" {
		c.errorf(at, "dkim selector %q: DomainKeys (RFC 4870) knows RSA keys only, and this key is %s", raw, algorithm)
		return "", false
	}
	c.warnf(at, "dkim selector %q: DomainKeys (RFC 4870) is historic, replaced by DKIM: the key record is published without v=DKIM1, which DKIM verifiers accept as well", raw)
	return strings.TrimPrefix(record, "v=DKIM1; "), true
}
