#!/usr/bin/env bash
# make interop: the records mailauth serves, judged by the tools mail receivers and DNS admins run.
# Builds ./coredns, serves test/interop/Corefile (test/interop/mail.yaml) and Corefile.example on
# loopback ports, and checks them with spfquery (Mail::SPF), Mail::DKIM, dkimpy, opendkim-testkey,
# dig and named-checkzone. Missing Debian packages are installed when run as root. Prints one line
# per check and "N passed, M failed" last; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=/usr/bin/python3 # Debian's python3-dkim and python3-nacl live in the system interpreter
[ -x "$PY" ] || PY=python3

# tool -> Debian package providing it
declare -A PACKAGES=(
	[spfquery]=spf-tools-perl
	[perl:Mail::DKIM]=libmail-dkim-perl
	[python:dkim]=python3-dkim
	[python:nacl]=python3-nacl
	[python:dns.resolver]=python3-dnspython
	[opendkim-testkey]=opendkim-tools
	[dig]=bind9-dnsutils
	[named-checkzone]=bind9-utils
)
export PATH="$PATH:/usr/sbin:/sbin"

have() {
	case $1 in
	perl:*) perl -M"${1#perl:}" -e1 2>/dev/null ;;
	python:*) "$PY" -c "import ${1#python:}" 2>/dev/null ;;
	*) command -v "$1" >/dev/null ;;
	esac
}

missing=()
for tool in "${!PACKAGES[@]}"; do
	have "$tool" || missing+=("${PACKAGES[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]}"
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "run as root on Debian, or install: ${missing[*]}" >&2
		exit 1
	fi
	[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
fi

go build -o coredns .

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	"$PY" -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(type=socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port)); print(port); break
    except OSError: pass
    finally: t.close(); u.close()'
}

# serve CONF PORT LOG: runs ./coredns for at most 15 minutes, so it stops even if this script is
# killed, and waits until it answers; fails, showing its log, when it does not.
serve() {
	timeout 900 ./coredns -conf "$1" -dns.port "$2" >"$3" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		dig @127.0.0.1 -p "$2" +tries=1 +time=1 example.org SOA >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "coredns -conf $1 did not start:" >&2
	cat "$3" >&2
	return 1
}

passed=0
failed=0
port=$(free_port)
serve test/interop/Corefile "$port" "$work/interop.log" || exit 1
example_port=$(free_port)
example_up=true
serve Corefile.example "$example_port" "$work/example.log" || example_up=false
# check NAME PATTERN COMMAND...: runs COMMAND and passes when its output matches the extended
# regular expression PATTERN.
check() {
	local name=$1 pattern=$2 out
	shift 2
	out=$("$@" 2>&1) || true
	if [[ $out =~ $pattern ]]; then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name: want /$pattern/, got: ${out:0:400}"
	fi
}

# --- SPF: spfquery (Mail::SPF over Net::DNS, pointed at the server by RES_NAMESERVERS/RES_OPTIONS).
spf() { RES_NAMESERVERS=127.0.0.1 RES_OPTIONS="port:$port" spfquery --scope mfrom --identity "alice@$2" --ip "$1"; }
while read -r ip domain result mechanism; do
	check "spfquery $domain from $ip is $result on $mechanism" \
		"^$result"$'\n'".*mechanism '$mechanism' matched" spf "$ip" "$domain"
done <<'EOF'
192.0.2.10 example.org pass mx
2001:db8::10 example.org pass mx
192.0.2.1 example.org pass a
192.0.2.66 example.org fail -ip4:192.0.2.66
192.0.2.77 example.org pass ip4:192.0.2.0/24
2001:db8:1::5 example.org pass ip6:2001:DB8:1::/48
203.0.113.5 example.org pass include:_spf.example.net
198.18.7.1 example.org neutral \?ip4:198.18.7.0/24
198.18.0.1 example.org softfail ~all
198.51.100.9 example.net pass ip4:198.51.100.0/24
198.18.9.9 example.net softfail ~ip4:198.18.9.0/24
203.0.113.5 example.net pass include:_spf.example.net
203.0.113.200 example.net fail -all
198.18.0.1 example.net fail -all
192.0.2.10 bounce.example.net pass mx
192.0.2.77 bounce.example.net pass ip4:192.0.2.0/24
198.18.0.1 bounce.example.net softfail ~all
198.18.5.5 lists.example.net pass a
198.18.0.1 lists.example.net neutral \?all
EOF

# --- DKIM: Mail::DKIM (RSA) and dkimpy (RSA and Ed25519), keys fetched from the server.
keys=zones/keys/example.org
printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.com>\nSubject: interop\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <interop@example.org>\n\nHello Bob,\nthis message is signed.\n' >"$work/message"
mail_dkim() { # mail_dkim KEY SELECTOR intact|tampered
	RES_NAMESERVERS=127.0.0.1 RES_OPTIONS="port:$port" perl test/interop/dkim.pl sign "$keys/$1.pem" example.org "$2" <"$work/message" >"$work/signed"
	[ "$3" = intact ] || sed -i 's/is signed/is forged/' "$work/signed"
	RES_NAMESERVERS=127.0.0.1 RES_OPTIONS="port:$port" perl test/interop/dkim.pl verify <"$work/signed"
}
for sel in mail2026 big2026; do
	check "Mail::DKIM verifies a signature by $sel" '^pass$' mail_dkim "$sel" "$sel" intact
	check "Mail::DKIM fails a tampered message signed by $sel" '^fail \(body has been altered\)$' mail_dkim "$sel" "$sel" tampered
done
check "Mail::DKIM fails the revoked selector old2025 as revoked" '^invalid \(public key: revoked\)$' mail_dkim mail2026 old2025 intact
check "Mail::DKIM fails a selector signed with another selector's key" '^fail' mail_dkim big2026 mail2026 intact

dkimpy() { "$PY" test/interop/dkimpy_check.py "$port" "$keys/$1.pem" example.org "$2" "$3" "$4"; }
for s in "mail2026 rsa-sha256" "big2026 rsa-sha256" "ed2026 ed25519-sha256"; do
	set -- $s
	check "dkimpy verifies a $2 signature by $1" '^pass$' dkimpy "$1" "$1" "$2" intact
	check "dkimpy fails a tampered message signed by $1" '^fail: body hash mismatch' dkimpy "$1" "$1" "$2" tampered
done
# dkimpy has no word for revoked: the empty p= of a revoked key is an unparsable key to it.
check "dkimpy fails the revoked selector old2025 (empty p=)" "^fail: could not parse RSA public key \(b''\)" dkimpy mail2026 old2025 rsa-sha256 intact
check "dkimpy fails an Ed25519 signature against an RSA selector" '^fail' dkimpy ed2026 mail2026 ed25519-sha256 intact

# --- opendkim-testkey: libopendkim resolving through libunbound, forwarded to the server.
echo "Nameservers 127.0.0.1@$port" >"$work/opendkim.conf"
mkdir -m 700 "$work/keys"
for sel in mail2026 big2026 ed2026; do install -m 600 "$keys/$sel.pem" "$work/keys/$sel.pem"; done
testkey() { timeout 30 opendkim-testkey -x "$work/opendkim.conf" -d example.org -vvv "$@"; }
for sel in mail2026 big2026; do
	check "opendkim-testkey: key OK for $sel with its private key" 'key OK' testkey -s "$sel" -k "$work/keys/$sel.pem"
done
# opendkim-testkey compares RSA keys only (EVP_PKEY_get1_RSA): the Ed25519 record is checked alone.
check "opendkim-testkey: key OK for the ed2026 record" 'key OK' testkey -s ed2026
check "opendkim-testkey: a wrong private key for mail2026 is a mismatch" 'keys do not match' testkey -s mail2026 -k "$work/keys/big2026.pem"
check "opendkim-testkey: old2025 is revoked" 'Revoked key' testkey -s old2025

# --- Zone transfers: each zone of test/interop/Corefile loads in named-checkzone with the checks
# of a BIND primary (-k fail: host names in A, AAAA and PTR records must be host names).
checkzone() {
	dig @127.0.0.1 -p "$port" +noall +answer +tries=1 AXFR "$1" >"$work/zone"
	[ "$(awk '$4 == "SOA"' "$work/zone" | wc -l)" = 2 ] || { echo "transfer of $1 is not SOA ... SOA"; return; }
	named-checkzone -k fail -i local "$1" "$work/zone"
}
for zone in example.org example.net 2.0.192.in-addr.arpa 100.51.198.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa; do
	check "AXFR of $zone passes named-checkzone -k fail" "^zone [^ ]+ loaded serial [0-9]+"$'\n'"OK$" checkzone "$zone"
done

# --- README.md: each "dig @127.0.0.1 -p 1053 +short" example prints what the README shows, with
# "..." in the README standing for any text. Served from Corefile.example, as `make run` does.
readme_examples() {
	awk '/^```/ { if (cmd != "") print cmd "\t" out; fence = !fence; cmd = ""; next }
		fence && /^dig @127\.0\.0\.1 -p 1053 \+short / { if (cmd != "") print cmd "\t" out; cmd = $0; out = ""; next }
		fence && cmd != "" && /^$/ { print cmd "\t" out; cmd = ""; next }
		fence && cmd != "" { out = out (out == "" ? "" : "\\n") $0 }' README.md
}
examples=0
$example_up || { failed=$((failed + 1)); echo "FAIL README: Corefile.example did not start (log above)"; }
while $example_up && IFS=$'\t' read -r cmd want; do
	examples=$((examples + 1))
	want=$(printf '%b' "$want" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g' -e 's/\\\.\\\.\\\./.*/g')
	read -r -a args <<<"${cmd#dig }"
	check "README: $cmd" "^$want\$" dig "${args[@]/#1053/$example_port}"
done < <(readme_examples)
if [ "$examples" -lt 5 ]; then
	failed=$((failed + 1))
	echo "FAIL README: found $examples dig examples, expected at least 5"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
