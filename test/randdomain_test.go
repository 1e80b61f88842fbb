package test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// The mail domains of a generated policy (see randpolicy_test.go). Each domain is built whole,
// and written once all are known: whether a BIMI record is allowed depends on the DMARC policy of
// the closest parent domain, which may come later.

// genDomain is one generated mail domain.
type genDomain struct {
	name      string
	lookups   int      // SPF lookups of its record, includes counted through; -1 without a record
	parked    bool     // parked: true
	enforcing bool     // its own DMARC is quarantine or reject at pct 100
	sub       string   // the policy its DMARC record sets for subdomains ("" without a record)
	subPct    int      // and the pct that goes with it
	fields    []string // the keys written under its name, one "key: value" each
}

// writeDomains writes three to eight mail domains: new names, zone apexes, hosts' names,
// subdomains of other domains, and now and then a name below a parked domain's _domainkey.
func (g *policyGen) writeDomains() {
	for range 3 + g.r.IntN(6) {
		name := g.domainName()
		d := &genDomain{name: name, lookups: -1}
		g.domains[name] = d
		g.order = append(g.order, name)
		if g.chance(0.15) && fits("*._domainkey.", name) {
			d.parked = true
			d.fields = append(d.fields, "parked: true")
			if g.chance(0.3) {
				d.fields = append(d.fields, fmt.Sprintf("ttl: %d", g.ttl()))
			}
			g.probes = append(g.probes, "s1._domainkey."+name, "a.b._domainkey."+name, "*._domainkey."+name, "x.*._domainkey."+name)
			continue
		}
		if g.chance(0.05) {
			continue // a domain with nothing to publish
		}
		g.fill(d)
	}
	for _, name := range g.order {
		if d := g.domains[name]; !d.parked && g.bimiAllowed(d) && g.chance(0.5) && fits("dark.mode._bimi.", name) {
			zone := g.hostZone()
			bimi := fmt.Sprintf("bimi: {l: %q", "https://"+zone+"/brand/logo.svg")
			if g.chance(0.5) {
				bimi += fmt.Sprintf(", a: %q", "https://"+zone+"/brand/vmc.pem")
			}
			if g.chance(0.4) {
				sel := g.pick("brand", "b2026", "Dark.Mode")
				bimi += ", selector: " + strconv.Quote(sel)
				g.probes = append(g.probes, strings.ToLower(sel)+"._bimi."+name)
			}
			d.fields = append(d.fields, bimi+"}")
		}
	}
	fmt.Fprintf(&g.out, "domains:\n")
	for _, name := range g.order {
		d := g.domains[name]
		switch {
		case len(d.fields) == 0:
			fmt.Fprintf(&g.out, "  %s: {}\n", g.spell(name))
		case d.parked || g.chance(0.2):
			fmt.Fprintf(&g.out, "  %s: {%s}\n", g.spell(name), strings.Join(d.fields, ", "))
		default:
			fmt.Fprintf(&g.out, "  %s:\n    %s\n", g.spell(name), strings.Join(d.fields, "\n    "))
		}
	}
}

// fits reports whether a record at prefix+name fits in the 255 octets a name may have: the
// loader refuses a record a long domain name leaves no room for.
func fits(prefix, name string) bool { return len(prefix)+len(name)+1 <= 255 }

// domainName picks the name of a new domain.
func (g *policyGen) domainName() string {
	taken := func(n string) bool { return g.domains[n] != nil }
	for {
		var n string
		switch x := g.r.Float64(); {
		case x < 0.15:
			n = g.forward[g.r.IntN(len(g.forward))]
		case x < 0.3 && len(g.hosts) > 0:
			n = g.hosts[g.r.IntN(len(g.hosts))]
		case x < 0.45 && len(g.order) > 0:
			n = g.pick(g.label(), "_spf", "mail") + "." + g.order[g.r.IntN(len(g.order))]
		case x < 0.5 && len(g.order) > 0:
			if p := g.order[g.r.IntN(len(g.order))]; g.domains[p].parked {
				n = g.label() + "._domainkey." + p
			}
		default:
			n = g.name(253, taken)
		}
		if n != "" && len(n) <= 253 && !taken(n) {
			return n
		}
	}
}

// fill gives a domain a random set of the mail keys.
func (g *policyGen) fill(d *genDomain) {
	add := func(format string, args ...any) { d.fields = append(d.fields, fmt.Sprintf(format, args...)) }
	if g.chance(0.3) {
		add("ttl: %d", g.ttl())
	}
	if g.chance(0.8) {
		var terms []string
		terms, d.lookups = g.spf()
		add("spf: [%s]", strings.Join(terms, ", "))
		if g.chance(0.1) {
			add("senderid: %s", g.pick("true", `[mfrom]`, `[pra]`, `[mfrom, pra]`, `[PRA, "mfrom"]`))
		}
	}
	var mx []string
	switch x := g.r.Float64(); {
	case x < 0.15:
		add("mx: null")
	case x < 0.6:
		for range 1 + g.r.IntN(3) {
			target := g.pick("mx1.ext-mail.net", "mx2.ext-mail.net", "aspmx.l.ext-mail.com")
			if len(g.hosts) > 0 && g.chance(0.6) {
				target = g.hosts[g.r.IntN(len(g.hosts))]
			}
			if !slices.Contains(mx, target) {
				mx = append(mx, target)
			}
		}
		entries := make([]string, len(mx))
		for i, t := range mx {
			pref := []int{0, 5, 10, 10, 20, 65535}[g.r.IntN(6)]
			entries[i] = strconv.Quote(fmt.Sprintf("%d %s", pref, strings.Trim(g.spell(t), `"`)))
		}
		add("mx: [%s]", strings.Join(entries, ", "))
	}
	if g.chance(0.6) {
		add("dkim: {%s}", strings.Join(g.selectors(d.name), ", "))
	}
	if g.chance(0.2) && fits("_adsp._domainkey.", d.name) {
		add("adsp: %s", g.pick("unknown", "all", "discardable", "All"))
	}
	if g.chance(0.1) && fits("_domainkey.", d.name) {
		dk := []string{"o: " + g.pick(`"~"`, `"-"`)}
		if g.chance(0.5) {
			dk = append(dk, "t: y")
		}
		if g.chance(0.5) {
			dk = append(dk, "r: "+strconv.Quote("postmaster@"+g.hostZone()))
		}
		if g.chance(0.3) {
			dk = append(dk, "n: "+strconv.Quote("old style "+g.word(5)+g.pick("", ` "quoted"`, ` back\slash`)))
		}
		add("domainkeys: {%s}", strings.Join(dk, ", "))
		g.probes = append(g.probes, "_domainkey."+d.name)
	}
	if g.chance(0.6) && fits("_dmarc.", d.name) {
		add("dmarc: {%s}", g.dmarc(d))
	}
	if len(mx) > 0 && g.chance(0.3) && fits("_mta-sts.", d.name) {
		var patterns []string
		for _, t := range mx {
			host := strings.TrimSuffix(t, ".")
			if !isHostName(host) {
				continue
			}
			// "*." matches one label, under a parent of two labels at least (not "*.net").
			if _, parent, _ := strings.Cut(host, "."); strings.Contains(parent, ".") && g.chance(0.5) {
				host = "*." + parent
			}
			patterns = append(patterns, strconv.Quote(host))
		}
		mode := g.pick("enforce", "testing", "none")
		if len(patterns) == 0 {
			patterns = []string{`"*.ext-mail.net"`}
		}
		add("mta_sts: {mode: %s, mx: [%s], max_age: %d}", mode, strings.Join(patterns, ", "), g.r.IntN(31557601))
	}
	if g.chance(0.2) && fits("_smtp._tls.", d.name) {
		add("tls_rpt: {rua: [%q, %q]}", "mailto:tlsrpt@"+g.hostZone(), "https://tlsrpt."+g.hostZone()+"/v1")
	}
}

// hostZone returns a forward zone that is a host name, written without the trailing dot, as in
// a URL or a mail address.
func (g *policyGen) hostZone() string {
	var hosts []string
	for _, z := range g.forward {
		if isHostName(z) {
			hosts = append(hosts, strings.TrimSuffix(z, "."))
		}
	}
	if len(hosts) == 0 {
		return "ext-mail.net"
	}
	return hosts[g.r.IntN(len(hosts))]
}

// spf returns SPF terms and the lookups they make, including those of the policy's own records
// they include, kept within RFC 7208's ten. Now and then a record is long enough (25 to 65
// address terms) to need several character-strings and TCP.
func (g *policyGen) spf() ([]string, int) {
	var terms []string
	lookups := 0
	q := func() string { return g.pick("", "", "", "+", "-", "~", "?") }
	n := g.r.IntN(7)
	long := g.chance(0.1)
	if long {
		n = 25 + g.r.IntN(40)
	}
	exp := false
	for range n {
		k := g.r.IntN(9)
		if long {
			k = 0
		}
		cost := 1
		var term string
		switch k {
		case 0, 1, 2:
			cost = 0
			if g.chance(0.6) {
				term = fmt.Sprintf("ip4:%d.%d.%d.%d", 10+g.r.IntN(200), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
				if g.chance(0.5) {
					term += fmt.Sprintf("/%d", 8+g.r.IntN(25))
				}
			} else {
				term = fmt.Sprintf("ip6:2001:db8:%x::%x", g.r.IntN(65536), g.r.IntN(65536))
				if g.chance(0.5) {
					term += fmt.Sprintf("/%d", 32+g.r.IntN(97))
				}
			}
		case 3:
			term = g.pick("a", "a/24", "a//64", "a/28//64", "a:"+g.target(), "a:"+g.target()+"/26", "a:%{d}")
		case 4:
			term = g.pick("mx", "mx/24", "mx:"+g.target(), "mx:"+g.target()+"/24//48")
		case 5:
			term = "include:" + g.pick("_spf.ext-mail.com", "spf.protection.ext-mail.net", "%{d}._spf.ext-mail.net")
			for _, other := range g.order {
				if d := g.domains[other]; d.lookups >= 0 && lookups+1+d.lookups <= 10 && g.chance(0.3) {
					term, cost = "include:"+strings.TrimSuffix(other, "."), 1+d.lookups
					break
				}
			}
		case 6:
			term = g.pick("exists:%{i}._spf.%{d}", "exists:%{ir}.%{l1r+-}._spf.%{d2}", "exists:%{i}.%{v}.arpa._spf.ext-mail.net")
		case 7:
			term = g.pick("ptr", "ptr:"+g.target())
		case 8:
			if cost = 0; exp {
				continue
			}
			exp, term = true, "exp=explain._spf.%{d}"
		}
		if lookups+cost > 10 {
			continue
		}
		lookups += cost
		if !strings.HasPrefix(term, "exp=") {
			term = q() + term
		}
		terms = append(terms, strconv.Quote(term))
	}
	if g.chance(0.15) && lookups < 10 {
		terms = append(terms, strconv.Quote("redirect=_spf.ext-mail.com"))
		lookups++
	} else {
		terms = append(terms, strconv.Quote(g.pick("~all", "-all", "-all", "?all", "~ALL")))
	}
	return terms, lookups
}

// target is a name an SPF a: or mx: term may name: a host, a domain, or someone else's.
func (g *policyGen) target() string {
	switch {
	case len(g.hosts) > 0 && g.chance(0.4):
		return strings.TrimSuffix(g.hosts[g.r.IntN(len(g.hosts))], ".")
	case len(g.order) > 0 && g.chance(0.4):
		return strings.TrimSuffix(g.order[g.r.IntN(len(g.order))], ".")
	}
	return "mail.ext-mail.net"
}

// selectors returns one to three DKIM selectors: a key file, p= (SPKI or PKCS#1, with or
// without k=), both, a revoked key, or a DomainKeys record, with optional tags.
func (g *policyGen) selectors(domain string) []string {
	var out, seen []string
	for range 1 + g.r.IntN(3) {
		sel := g.pick("mail", "s1", "default", "google", "k2", "2026", "Sel-"+g.word(3), g.label(), g.word(2)+"."+g.word(3))
		if slices.Contains(seen, strings.ToLower(sel)) || !fits(sel+"._domainkey.", domain) {
			continue
		}
		seen = append(seen, strings.ToLower(sel))
		key := g.keys[g.r.IntN(len(g.keys))]
		p := key.p
		if key.rsa && g.chance(0.3) {
			p = key.p1
		}
		var f []string
		switch g.r.IntN(7) {
		case 0, 1:
			f = append(f, "key: "+strconv.Quote(key.file))
		case 2:
			f = append(f, "p: "+strconv.Quote(p))
		case 3:
			f = append(f, "key: "+strconv.Quote(key.file), "p: "+strconv.Quote(p))
		case 4:
			f = append(f, "p: "+strconv.Quote(p), "k: "+g.pick(key.k, strings.ToUpper(key.k)))
		case 5:
			out = append(out, fmt.Sprintf("%s: {revoked: true}", strconv.Quote(sel)))
			continue
		case 6:
			f = append(f, "key: "+strconv.Quote(key.file))
			if key.rsa {
				f = append(f, "domainkeys: true")
			}
		}
		if g.chance(0.3) {
			f = append(f, "h: "+g.pick(`[sha256]`, `[sha1, sha256]`, `[SHA256]`))
		}
		if g.chance(0.2) {
			f = append(f, "s: "+g.pick(`[email]`, `["*"]`, `[email, "*"]`))
		}
		if g.chance(0.3) {
			f = append(f, "t: "+g.pick(`[y]`, `[s]`, `[y, s]`))
		}
		if g.chance(0.2) {
			f = append(f, "n: "+strconv.Quote("rotated-"+g.word(6)+g.pick("", `"quoted"`, `back\slash`, "(x)", "%20")))
		}
		out = append(out, fmt.Sprintf("%s: {%s}", strconv.Quote(sel), strings.Join(f, ", ")))
	}
	return out
}

// dmarc returns the tags of a DMARC record for d, and notes in d what its subdomains inherit.
func (g *policyGen) dmarc(d *genDomain) string {
	policies := []string{"none", "quarantine", "reject", "Reject"}
	p := g.pick(policies...)
	tags := []string{"p: " + p}
	pct := 100
	if g.chance(0.3) {
		pct = []int{0, 1, 50, 99, 100, 100}[g.r.IntN(6)]
		tags = append(tags, fmt.Sprintf("pct: %d", pct))
	}
	sub := p
	if g.chance(0.3) {
		sub = g.pick(policies...)
		tags = append(tags, "sp: "+sub)
	}
	if g.chance(0.3) {
		tags = append(tags, "np: "+g.pick(policies...))
	}
	for _, tag := range []string{"rua", "ruf"} {
		if !g.chance(0.4) {
			continue
		}
		var uris []string
		for range 1 + g.r.IntN(2) {
			dest := "reports.ext-dmarc.net"
			if g.chance(0.6) {
				if o := g.order[g.r.IntN(len(g.order))]; isHostName(o) {
					dest = strings.TrimSuffix(o, ".")
				}
			}
			uri := "mailto:" + g.pick("dmarc", "d.reports", "agg+x") + "@" + dest + g.pick("", "", "!10m", "!500k")
			if g.chance(0.1) {
				uri = "https://" + dest + "/dmarc"
			}
			uris = append(uris, strconv.Quote(uri))
		}
		tags = append(tags, fmt.Sprintf("%s: [%s]", tag, strings.Join(uris, ", ")))
	}
	for _, tag := range []string{"adkim", "aspf"} {
		if g.chance(0.3) {
			tags = append(tags, tag+": "+g.pick("r", "s", "S"))
		}
	}
	if g.chance(0.2) {
		tags = append(tags, "fo: "+strconv.Quote(g.pick("0", "1", "d:s", "0:1:d:s")))
	}
	if g.chance(0.1) {
		tags = append(tags, `rf: "afrf"`)
	}
	if g.chance(0.2) {
		tags = append(tags, fmt.Sprintf("ri: %d", 1+g.r.IntN(604800)))
	}
	if g.chance(0.1) {
		tags = append(tags, "t: "+g.pick("y", "n"))
	}
	if g.chance(0.1) {
		tags = append(tags, "psd: "+g.pick("y", "n", "u"))
	}
	enforcing := func(p string) bool { p = strings.ToLower(p); return p == "quarantine" || p == "reject" }
	d.enforcing = enforcing(p) && pct == 100
	d.sub, d.subPct = strings.ToLower(sub), pct
	return strings.Join(tags, ", ")
}

// bimiAllowed reports whether receivers would show d's BIMI logo: under its own DMARC policy, or
// else that of the closest parent domain with one (a parked parent rejects), as the loader checks.
func (g *policyGen) bimiAllowed(d *genDomain) bool {
	if d.sub != "" {
		return d.enforcing
	}
	for n := d.name; ; {
		i, end := dns.NextLabel(n, 0)
		if end {
			return false
		}
		n = n[i:]
		switch p := g.domains[n]; {
		case p == nil:
		case p.parked:
			return true
		case p.sub != "":
			return (p.sub == "quarantine" || p.sub == "reject") && p.subPct == 100
		}
	}
}
