package records

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestTXTSplitsLongValuesIntoOneRecordOf255ByteStrings(t *testing.T) {
	for _, n := range []int{0, 1, 254, 255, 256, 510, 511, 800} {
		value := strings.Repeat("a", n)
		rr := TXT("example.org.", 300, value)
		want := (n + maxString - 1) / maxString
		if n == 0 {
			want = 1
		}
		if len(rr.Txt) != want {
			t.Fatalf("%d bytes: %d strings, want %d", n, len(rr.Txt), want)
		}
		for i, s := range rr.Txt {
			if len(s) > maxString {
				t.Fatalf("%d bytes: string %d is %d bytes", n, i, len(s))
			}
			if i < len(rr.Txt)-1 && len(s) != maxString {
				t.Fatalf("%d bytes: string %d is %d bytes, only the last may be short", n, i, len(s))
			}
		}
		assertWireRoundTrip(t, rr, value)
	}
}

func TestTXTEscapesQuotesBackslashesAndBinarySoTheWireHoldsTheRawValue(t *testing.T) {
	value := strings.Repeat("x", 250) + `a"b\c` + "\x00\xff;end"
	rr := TXT("example.org.", 300, value)
	assertWireRoundTrip(t, rr, value)
}

// assertWireRoundTrip packs rr, unpacks it with an independent reading of the wire bytes and checks
// that every character-string is at most 255 bytes and that they concatenate to value.
func assertWireRoundTrip(t *testing.T, rr *dns.TXT, value string) {
	t.Helper()
	buf := make([]byte, 4096)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	rdata := buf[off-int(rr.Hdr.Rdlength) : off]
	var got []byte
	for len(rdata) > 0 {
		n := int(rdata[0])
		got = append(got, rdata[1:1+n]...)
		rdata = rdata[1+n:]
	}
	if string(got) != value {
		t.Fatalf("wire value differs:\n got %q\nwant %q", got, value)
	}
}
