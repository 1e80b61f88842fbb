// Package smtptls builds the DNS side of SMTP transport security: the MTA-STS record and the
// policy file its id stands for (RFC 8461), and the TLS-RPT record that asks for reports on it
// (RFC 8460). Each type checks its values and renders its record; errors name the key at fault.
package smtptls

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// MaxAge is the largest max_age RFC 8461 3.2 allows: one year, in seconds.
const MaxAge = 31557600

// STS is an MTA-STS policy (RFC 8461 3.2): how sending servers must treat TLS to the MX hosts.
type STS struct {
	Mode   string   // enforce, testing or none
	MX     []string // patterns of the allowed MX hosts, lower-case, without the trailing dot; "*." may lead
	MaxAge uint32   // seconds senders may cache the policy
}

// Validate checks the policy's values; the error names the key at fault.
func (s STS) Validate() error {
	switch s.Mode {
	case "enforce", "testing", "none":
	default:
		return fmt.Errorf("mode: %q is not one of enforce, testing, none", s.Mode)
	}
	if len(s.MX) == 0 && s.Mode != "none" {
		return fmt.Errorf("mx: list the MX hosts senders may deliver to (patterns such as mail.example.org or *.example.net); mode %s needs at least one", s.Mode)
	}
	for i, p := range s.MX {
		if err := CheckPattern(p); err != nil {
			return &MXError{Index: i, Err: err}
		}
	}
	if s.MaxAge > MaxAge {
		return fmt.Errorf("max_age: %d is over %d, the year RFC 8461 3.2 allows", s.MaxAge, MaxAge)
	}
	return nil
}

// MXError is a problem with one mx pattern of a policy.
type MXError struct {
	Index int
	Err   error
}

func (e *MXError) Error() string { return "mx: " + e.Err.Error() }

// CheckPattern checks an MX pattern: a host name, or "*." followed by one (RFC 8461 4.1: the
// wildcard matches exactly one label). RFC 8461 3.2 takes the name from RFC 5321 (letters, digits
// and hyphens), so a name DNS would hold, such as _mx.example.org, is still no pattern.
func CheckPattern(p string) error {
	name := strings.TrimPrefix(p, "*.")
	if strings.HasSuffix(p, ".") {
		return fmt.Errorf("%q: write it without the trailing dot, as the policy file holds it", p)
	}
	if strings.Contains(name, "*") {
		return fmt.Errorf(`%q: a wildcard may only be the whole first label, as in "*.example.net"`, p)
	}
	if !isHostname(name) {
		return fmt.Errorf("%q is not a host name pattern such as mail.example.org or *.example.net", p)
	}
	return nil
}

// Matches reports whether host (lower-case, without the trailing dot) matches one of the patterns,
// as a sender compares an MX host with the policy (RFC 8461 4.1).
func (s STS) Matches(host string) bool {
	for _, p := range s.MX {
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			if label, parent, found := strings.Cut(host, "."); found && label != "" && parent == rest {
				return true
			}
		} else if host == p {
			return true
		}
	}
	return false
}

// Text returns the policy file to serve at https://mta-sts.DOMAIN/.well-known/mta-sts.txt, in the
// form of RFC 8461 3.2, keys in the order of its example, lines ending in LF.
func (s STS) Text() string {
	var b strings.Builder
	b.WriteString("version: STSv1\nmode: " + s.Mode + "\n")
	for _, p := range s.MX {
		b.WriteString("mx: " + p + "\n")
	}
	b.WriteString("max_age: " + strconv.FormatUint(uint64(s.MaxAge), 10) + "\n")
	return b.String()
}

// ID returns the policy's id: the first 16 hex digits of the SHA-256 of Text. It changes exactly
// when the policy does, which is what tells senders to fetch it again (RFC 8461 3.1).
func (s STS) ID() string {
	sum := sha256.Sum256([]byte(s.Text()))
	return hex.EncodeToString(sum[:])[:16]
}

// Record returns the TXT record published at _mta-sts.DOMAIN.
func (s STS) Record() string { return "v=STSv1; id=" + s.ID() }
