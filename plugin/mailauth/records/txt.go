// Package records builds the DNS resource records a mail policy publishes: TXT records split into
// character-strings the way RFC 1035 3.3.14 requires, A/AAAA and PTR records for hosts, the PTR and
// address records synthesized for networks, and the SOA and NS of zones served alone.
package records

import (
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// maxString is the longest character-string on the wire (RFC 1035 3.3).
const maxString = 255

// TXT returns one TXT record holding value, split into as many 255-byte character-strings as it
// needs. The strings concatenate to exactly value, which is how SPF (RFC 7208 3.3) and DKIM
// (RFC 6376 3.6.2.2) verifiers read a long record.
func TXT(owner string, ttl uint32, value string) *dns.TXT {
	return &dns.TXT{
		Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl},
		Txt: Split(value),
	}
}

// Split cuts value into wire character-strings of at most 255 bytes each and returns them in the
// escaped presentation form that miekg/dns packs (it does not split by itself). An empty value is
// one empty string, which is what an empty TXT record holds.
func Split(value string) []string {
	if value == "" {
		return []string{""}
	}
	parts := make([]string, 0, len(value)/maxString+1)
	for len(value) > maxString {
		parts = append(parts, escape(value[:maxString]))
		value = value[maxString:]
	}
	return append(parts, escape(value))
}

// escape writes raw bytes in the presentation form miekg/dns decodes when packing a TXT string.
func escape(raw string) string {
	clean := true
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return raw
	}
	var sb strings.Builder
	for i := 0; i < len(raw); i++ {
		switch b := raw[i]; {
		case b == '"' || b == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(b)
		case b < 0x20 || b > 0x7e:
			sb.WriteByte('\\')
			s := strconv.Itoa(int(b))
			sb.WriteString(strings.Repeat("0", 3-len(s)) + s)
		default:
			sb.WriteByte(b)
		}
	}
	return sb.String()
}
