package test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// These tests read replies as bytes off the socket and walk them here, without miekg/dns's
// unpacker, so they prove what goes on the wire: how a long DKIM key is split into
// character-strings, and when a UDP reply is truncated.

// wireRR is one resource record as it appears on the wire.
type wireRR struct {
	name   string // the owner name as spelled on the wire, compression pointers followed
	rrtype uint16
	class  uint16
	ttl    uint32
	rdata  []byte
}

// wireReply is a reply message walked by hand.
type wireReply struct {
	size     int
	flags    uint16
	question string
	answer   []wireRR
	nscount  int
	arcount  int
}

func (r wireReply) tc() bool   { return r.flags&(1<<9) != 0 }
func (r wireReply) aa() bool   { return r.flags&(1<<10) != 0 }
func (r wireReply) rcode() int { return int(r.flags & 0xf) }

// readName reads the domain name at off, following compression pointers, and returns it with the
// offset just past it in the message.
func readName(msg []byte, off int) (string, int, error) {
	var labels []string
	end := -1
	for jumps := 0; ; {
		if off >= len(msg) {
			return "", 0, errors.New("name runs past the message")
		}
		l := int(msg[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.Join(labels, ".") + ".", end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(msg) {
				return "", 0, errors.New("compression pointer runs past the message")
			}
			if end < 0 {
				end = off + 2
			}
			if jumps++; jumps > 64 {
				return "", 0, errors.New("compression loop")
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
		case l&0xc0 != 0:
			return "", 0, fmt.Errorf("label type %#x", l&0xc0)
		default:
			if off+1+l > len(msg) {
				return "", 0, errors.New("label runs past the message")
			}
			labels = append(labels, string(msg[off+1:off+1+l]))
			off += 1 + l
		}
	}
}

// parseWire walks a whole reply: header, question, and every record of every section.
func parseWire(msg []byte) (wireReply, error) {
	r := wireReply{size: len(msg)}
	if len(msg) < 12 {
		return r, errors.New("shorter than a header")
	}
	r.flags = binary.BigEndian.Uint16(msg[2:])
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	an := int(binary.BigEndian.Uint16(msg[6:]))
	r.nscount = int(binary.BigEndian.Uint16(msg[8:]))
	r.arcount = int(binary.BigEndian.Uint16(msg[10:]))
	off := 12
	for i := 0; i < qd; i++ {
		name, next, err := readName(msg, off)
		if err != nil {
			return r, fmt.Errorf("question: %v", err)
		}
		if next+4 > len(msg) {
			return r, errors.New("question runs past the message")
		}
		r.question, off = name, next+4
	}
	for i := 0; i < an+r.nscount+r.arcount; i++ {
		name, next, err := readName(msg, off)
		if err != nil {
			return r, fmt.Errorf("record %d: %v", i, err)
		}
		if next+10 > len(msg) {
			return r, fmt.Errorf("record %d: header runs past the message", i)
		}
		rr := wireRR{
			name:   name,
			rrtype: binary.BigEndian.Uint16(msg[next:]),
			class:  binary.BigEndian.Uint16(msg[next+2:]),
			ttl:    binary.BigEndian.Uint32(msg[next+4:]),
		}
		rdlen := int(binary.BigEndian.Uint16(msg[next+8:]))
		off = next + 10 + rdlen
		if off > len(msg) {
			return r, fmt.Errorf("record %d: rdata runs past the message", i)
		}
		rr.rdata = msg[next+10 : off]
		if i < an {
			r.answer = append(r.answer, rr)
		}
	}
	if off != len(msg) {
		return r, fmt.Errorf("%d bytes after the last record", len(msg)-off)
	}
	return r, nil
}

// characterStrings splits TXT RDATA into its character-strings.
func characterStrings(rdata []byte) ([]string, error) {
	var out []string
	for i := 0; i < len(rdata); {
		l := int(rdata[i])
		if i+1+l > len(rdata) {
			return nil, fmt.Errorf("character-string at %d runs past the rdata", i)
		}
		out = append(out, string(rdata[i+1:i+1+l]))
		i += 1 + l
	}
	return out, nil
}

// rawExchange sends name/qtype over a plain socket (bufsize 0: no EDNS) and returns the reply's
// bytes exactly as received.
func (s server) rawExchange(t *testing.T, network, name string, qtype, bufsize uint16) []byte {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	if bufsize > 0 {
		q.SetEdns0(bufsize, false)
	}
	query, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	addr := s.udp
	if network == "tcp" {
		addr = s.tcp
	}
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if network == "udp" {
		if _, err := conn.Write(query); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 65535)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("udp %s: %v", name, err)
		}
		return buf[:n]
	}
	if _, err := conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(query))), query...)); err != nil {
		t.Fatal(err)
	}
	var l [2]byte
	if _, err := io.ReadFull(conn, l[:]); err != nil {
		t.Fatalf("tcp %s: %v", name, err)
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("tcp %s: %v", name, err)
	}
	return buf
}

func (s server) rawQuery(t *testing.T, network, name string, qtype, bufsize uint16) wireReply {
	t.Helper()
	r, err := parseWire(s.rawExchange(t, network, name, qtype, bufsize))
	if err != nil {
		t.Fatalf("%s %s: malformed reply: %v", network, name, err)
	}
	return r
}

// privateKey reads a PEM private key from the repository with crypto/x509 alone.
func privateKey(t *testing.T, path string) crypto.Signer {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		t.Fatalf("%s: PEM block %q", path, block.Type)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return key.(crypto.Signer)
}

// dkimRecord is the key record RFC 6376 and RFC 8463 describe for the public half of key: an RSA
// key as base64 SubjectPublicKeyInfo, an Ed25519 key as its raw 32 bytes.
func dkimRecord(t *testing.T, key crypto.PublicKey) string {
	t.Helper()
	switch key := key.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(key)
	}
	t.Fatalf("key type %T", key)
	return ""
}

// checkKeyRecord asserts that reply holds the whole key record of name as ONE TXT RR whose
// character-strings are full 255-byte chunks but the last.
func checkKeyRecord(t *testing.T, r wireReply, name, want string, nstrings int) {
	t.Helper()
	if r.rcode() != dns.RcodeSuccess || !r.aa() || r.tc() {
		t.Fatalf("rcode %s, AA %v, TC %v; want NOERROR, AA, no TC", dns.RcodeToString[r.rcode()], r.aa(), r.tc())
	}
	if len(r.answer) != 1 {
		t.Fatalf("%d answer records, want one TXT", len(r.answer))
	}
	rr := r.answer[0]
	if rr.rrtype != dns.TypeTXT || rr.class != dns.ClassINET || !strings.EqualFold(rr.name, name) {
		t.Fatalf("answer %s %s %s, want %s IN TXT", rr.name, dns.ClassToString[rr.class], dns.TypeToString[rr.rrtype], name)
	}
	strs, err := characterStrings(rr.rdata)
	if err != nil {
		t.Fatal(err)
	}
	if len(strs) != nstrings {
		t.Errorf("%d character-strings, want %d", len(strs), nstrings)
	}
	for i, s := range strs[:len(strs)-1] {
		if len(s) != 255 {
			t.Errorf("character-string %d is %d bytes, want 255 (only the last may be shorter)", i, len(s))
		}
	}
	if got := strings.Join(strs, ""); got != want {
		t.Errorf("record\n%s\nwant\n%s", got, want)
	}
}

func TestLongDKIMKeysArriveAsOneTXTRecordSplitInto255ByteStrings(t *testing.T) {
	s := startFile(t, "Corefile.example")
	for _, tc := range []struct {
		selector string
		nstrings int
	}{
		{"big2026", 3},  // RSA-4096: 18 + 736 bytes
		{"mail2026", 2}, // RSA-2048: 18 + 392 bytes
		{"ed2026", 1},   // Ed25519: 22 + 44 bytes
	} {
		key := privateKey(t, "zones/keys/example.org/"+tc.selector+".pem")
		want := dkimRecord(t, key.Public())
		name := tc.selector + "._domainkey.example.org."
		for _, transport := range []struct {
			network string
			bufsize uint16
		}{{"udp", 4096}, {"tcp", 0}} {
			t.Run(fmt.Sprintf("%s/%s", tc.selector, transport.network), func(t *testing.T) {
				r := s.rawQuery(t, transport.network, name, dns.TypeTXT, transport.bufsize)
				checkKeyRecord(t, r, name, want, tc.nstrings)
			})
		}
	}
}

func TestEd25519KeyRecordHoldsTheRawPublicKey(t *testing.T) {
	s := startFile(t, "Corefile.example")
	pub := privateKey(t, "zones/keys/example.org/ed2026.pem").Public().(ed25519.PublicKey)
	r := s.rawQuery(t, "udp", "ed2026._domainkey.example.org.", dns.TypeTXT, 1232)
	if len(r.answer) != 1 {
		t.Fatalf("%d answers, want 1", len(r.answer))
	}
	strs, err := characterStrings(r.answer[0].rdata)
	if err != nil {
		t.Fatal(err)
	}
	record := strings.Join(strs, "")
	_, p, ok := strings.Cut(record, "p=")
	if !ok {
		t.Fatalf("no p= in %q", record)
	}
	raw, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		t.Fatalf("p=%s: %v", p, err)
	}
	if !pub.Equal(ed25519.PublicKey(raw)) {
		t.Errorf("p= decodes to %x (%d bytes), want the raw key %x", raw, len(raw), []byte(pub))
	}
	if !strings.Contains(record, "k=ed25519") {
		t.Errorf("record %q lacks k=ed25519", record)
	}
}

func TestA4096BitKeyIsTruncatedOverUDPWithoutEDNSAndWholeOtherwise(t *testing.T) {
	s := startFile(t, "Corefile.example")
	const name = "big2026._domainkey.example.org."
	want := dkimRecord(t, privateKey(t, "zones/keys/example.org/big2026.pem").Public())

	r := s.rawQuery(t, "udp", name, dns.TypeTXT, 0)
	if !r.tc() || !r.aa() || r.rcode() != dns.RcodeSuccess {
		t.Errorf("udp without EDNS: TC %v, AA %v, rcode %s; want TC, AA, NOERROR", r.tc(), r.aa(), dns.RcodeToString[r.rcode()])
	}
	if r.size > dns.MinMsgSize {
		t.Errorf("udp without EDNS: reply is %d bytes, over %d", r.size, dns.MinMsgSize)
	}
	t.Logf("udp without EDNS: %d bytes, %d answers, TC %v", r.size, len(r.answer), r.tc())

	checkKeyRecord(t, s.rawQuery(t, "udp", name, dns.TypeTXT, 4096), name, want, 3)
	checkKeyRecord(t, s.rawQuery(t, "tcp", name, dns.TypeTXT, 0), name, want, 3)
}

func TestA2048BitKeyIsTruncatedOverUDPOnlyIfItCannotFitIn512Bytes(t *testing.T) {
	s := startFile(t, "Corefile.example")
	const name = "mail2026._domainkey.example.org."
	full := s.rawExchange(t, "tcp", name, dns.TypeTXT, 0)
	m := new(dns.Msg)
	if err := m.Unpack(full); err != nil {
		t.Fatal(err)
	}
	// A server may compress to make a reply fit (miekg/dns Truncate does); the answer fits in
	// 512 bytes if its most compact form does.
	m.Compress = true
	compact, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	fits := len(compact) <= dns.MinMsgSize

	r := s.rawQuery(t, "udp", name, dns.TypeTXT, 0)
	t.Logf("tcp reply %d bytes (%d compressed, %d answer + %d authority + %d additional records); udp without EDNS: %d bytes, TC %v",
		len(full), len(compact), len(m.Answer), len(m.Ns), len(m.Extra), r.size, r.tc())
	if r.tc() == fits {
		t.Errorf("TC %v, but the whole answer is %d bytes compressed (fits in %d: %v)", r.tc(), len(compact), dns.MinMsgSize, fits)
	}
	if !r.tc() {
		want := dkimRecord(t, privateKey(t, "zones/keys/example.org/mail2026.pem").Public())
		checkKeyRecord(t, r, name, want, 2)
	}
}

// A 0x20 mixed-case query gets the owner name as stored, as BIND answers it, and the 2048-bit key
// still fits in 512 bytes without truncation, as with BIND.
func TestMixedCaseQueryOverUDPWithoutEDNSFitsAndSpellsTheOwnerAsStored(t *testing.T) {
	s := startFile(t, "Corefile.example")
	const name = "mAiL2026._DoMaInKeY.ExAmPlE.oRg."
	r := s.rawQuery(t, "udp", name, dns.TypeTXT, 0)
	t.Logf("%d bytes, TC %v, %d answers", r.size, r.tc(), len(r.answer))
	if r.question != name {
		t.Errorf("question echoed as %s, want %s", r.question, name)
	}
	if len(r.answer) != 1 || r.tc() {
		t.Fatalf("%d answers (TC %v), want the one TXT record untruncated", len(r.answer), r.tc())
	}
	if got := r.answer[0].name; got != strings.ToLower(name) {
		t.Errorf("answer owner %s, want %s", got, strings.ToLower(name))
	}
}
