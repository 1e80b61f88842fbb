#!/bin/sh
# Regenerates the keys the broken policies next door use. Only public halves are kept, so that
# the checker's output does not depend on the mode a checkout gives files. Needs openssl and
# Debian's opendkim-tools.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl genrsa 512 2>/dev/null | openssl pkey -pubout >rsa512.pub
opendkim-genkey -D "$tmp" -b 1024 -s rsa1024 -d example.org
openssl pkey -in "$tmp/rsa1024.private" -pubout >rsa1024.pub
opendkim-genkey -D "$tmp" -b 2048 -s a -d example.org
opendkim-genkey -D "$tmp" -b 2048 -s b -d example.org
openssl pkey -in "$tmp/a.private" -pubout >a.pub
cp "$tmp/b.txt" b.txt
# A public key followed by another key's record, as if rspamadm's output had been pasted over.
cat a.pub b.txt >mixed.txt
