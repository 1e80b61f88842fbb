package dkimkey

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The files under testdata were written by opendkim-genkey, rspamadm dkim_keygen and openssl
// themselves (testdata/generate.sh), so these tests read exactly what users have.

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseFileReadsWhatTheToolsWrite(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		wantAlg     string
		wantBits    int
		wantPrivate bool
		wantRecord  *Tags
	}{
		{"opendkim-genkey's 1024-bit private key is read", "opendkim/rsa1024.private", RSA, 1024, true, nil},
		{"opendkim-genkey's 2048-bit private key is read", "opendkim/rsa2048.private", RSA, 2048, true, nil},
		{"opendkim-genkey's SELECTOR.txt is read with its tags", "opendkim/rsa1024.txt", RSA, 1024, false, &Tags{H: []string{"sha256"}}},
		{"opendkim-genkey's split record is joined", "opendkim/rsa2048.txt", RSA, 2048, false, &Tags{H: []string{"sha256"}}},
		{"opendkim-genkey -t -r gives t=y and s=email", "opendkim/testmode.txt", RSA, 2048, false, &Tags{H: []string{"sha256"}, S: []string{"email"}, T: []string{"y"}}},
		{"rspamadm's whole RSA output is a private key and its record", "rspamd/rsa2048.stdout", RSA, 2048, true, &Tags{}},
		{"rspamadm's whole Ed25519 output is a base64 private key and its record", "rspamd/ed25519.stdout", Ed25519, 256, true, &Tags{}},
		{"rspamadm -k prints the record alone", "rspamd/split.txt", RSA, 1024, false, &Tags{}},
		{"rspamadm -k writes the RSA private key as PEM", "rspamd/split.key", RSA, 1024, true, nil},
		{"rspamadm -k prints the Ed25519 record alone", "rspamd/edsplit.txt", Ed25519, 256, false, &Tags{}},
		{"rspamadm -k writes the Ed25519 private key as a base64 line", "rspamd/edsplit.key", Ed25519, 256, true, nil},
		{"a wrapped base64 public key alone is read", "base64/rsa2048.b64", RSA, 2048, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFile(readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			k := f.Key
			if k.Algorithm != tt.wantAlg || k.Bits != tt.wantBits || k.Private != tt.wantPrivate {
				t.Errorf("got %s/%d private=%v, want %s/%d private=%v", k.Algorithm, k.Bits, k.Private, tt.wantAlg, tt.wantBits, tt.wantPrivate)
			}
			if err := k.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
			if !reflect.DeepEqual(f.Record, tt.wantRecord) {
				t.Errorf("record tags %+v, want %+v", f.Record, tt.wantRecord)
			}
		})
	}
}

func TestEachToolsPrivateKeyAndRecordAreTheSameKey(t *testing.T) {
	pairs := []struct {
		name        string
		key, record string
	}{
		{"opendkim-genkey 1024", "opendkim/rsa1024.private", "opendkim/rsa1024.txt"},
		{"opendkim-genkey 2048", "opendkim/rsa2048.private", "opendkim/rsa2048.txt"},
		{"rspamadm RSA", "rspamd/split.key", "rspamd/split.txt"},
		{"rspamadm Ed25519", "rspamd/edsplit.key", "rspamd/edsplit.txt"},
		{"openssl base64 of opendkim-genkey's key", "opendkim/rsa2048.private", "base64/rsa2048.b64"},
	}
	for _, tt := range pairs {
		t.Run(tt.name, func(t *testing.T) {
			a, errA := Parse(readTestdata(t, tt.key))
			b, errB := Parse(readTestdata(t, tt.record))
			if errA != nil || errB != nil {
				t.Fatalf("Parse: %v, %v", errA, errB)
			}
			if !a.Equal(b) || a.P() != b.P() {
				t.Errorf("the key and the record differ:\n%s\n%s", a.P(), b.P())
			}
		})
	}
}

func TestParseFileRefuses(t *testing.T) {
	rsa1024 := readTestdata(t, "opendkim/rsa1024.private")
	rsa2048txt := readTestdata(t, "opendkim/rsa2048.txt")
	edOut := readTestdata(t, "rspamd/ed25519.stdout")
	edLine, _, _ := bytes.Cut(edOut, []byte("\n"))
	edsplitTxt := readTestdata(t, "rspamd/edsplit.txt")
	sk, _ := base64.StdEncoding.DecodeString(string(edLine))
	sk[63] ^= 1
	corrupt := base64.StdEncoding.EncodeToString(sk)

	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{"a PEM private key followed by another key's record", string(rsa1024) + string(rsa2048txt),
			"the private key and the record's p= are different keys (1024-bit RSA and 2048-bit RSA)"},
		{"an rspamd Ed25519 private key followed by another key's record", string(edLine) + "\n" + string(edsplitTxt),
			"the private key and the record's p= are different keys (both ed25519)"},
		{"a 64-byte key whose halves do not belong together", corrupt,
			"a 64-byte base64 key is read as an Ed25519 private key (seed, then public key, as rspamadm writes it), but its public half does not belong to its seed"},
		{"a record without p=", `sel._domainkey IN TXT "v=DKIM1; k=rsa"`, "key record: no p= tag"},
		{"a record with a quote left open", `sel._domainkey IN TXT "v=DKIM1; p=AAAA`, "key record: a quoted string is not closed"},
		{"a record with p= twice", `v=DKIM1; p=AAAA; p=BBBB`, "key record: tag p= appears twice (RFC 6376 section 3.2)"},
		{"a record of another version", `"v=DKIM2; p=AAAA"`, "key record: v=DKIM2 must be v=DKIM1 and come first"},
		{"a record whose p= is cut short", `"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"`,
			"p= is not valid base64: length 38 is not a multiple of 4 (truncated, or '=' padding missing)"},
		{"a record whose k= is not its key's", `"v=DKIM1; k=ed25519; p=` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 40)) + `"`,
			"p= is neither an RSA public key (SPKI or PKCS#1) nor a 32-byte Ed25519 key (it decodes to 40 bytes)"},
		{"base64 of something that is not a key", base64.StdEncoding.EncodeToString([]byte("hello, world")),
			"p= is neither an RSA public key (SPKI or PKCS#1) nor a 32-byte Ed25519 key (it decodes to 12 bytes)"},
		{"text that is neither", "hello, world\n", "no key found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFile([]byte(tt.data))
			if err == nil {
				t.Fatalf("ParseFile succeeded with %+v, want error %q", f, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRecordTextIsTheJoinedCharacterStrings(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"strings are joined and syntax outside them dropped", "a IN TXT ( \"v=DKIM1; \"\n\t\"p=AB\" ) ; comment \"x\"", "v=DKIM1; p=AB"},
		{"a semicolon inside quotes is data", `"k=rsa; p=A"`, "k=rsa; p=A"},
		{"escapes are decoded", `"a\"b\059c\\d"`, `a"b;c\d`},
		{"unquoted text is the record itself", "v=DKIM1; p=AB", "v=DKIM1; p=AB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := txtData(tt.text)
			if err != nil || got != tt.want {
				t.Errorf("txtData = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
