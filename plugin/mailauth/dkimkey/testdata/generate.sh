#!/bin/sh
# Regenerates the key files the tests read, with the tools people make DKIM keys with, so that the
# tests see exactly what those tools write. Needs Debian's opendkim-tools and rspamd, and openssl.
# The keys are test fixtures: never sign mail with them.
set -eu
cd "$(dirname "$0")"
rm -rf opendkim rspamd base64
mkdir opendkim rspamd base64

# opendkim-genkey writes SELECTOR.private (PEM private key) and SELECTOR.txt (the zone snippet).
# It has no Ed25519 option.
opendkim-genkey -D opendkim -b 1024 -s rsa1024 -d example.org
opendkim-genkey -D opendkim -b 2048 -s rsa2048 -d example.org
opendkim-genkey -D opendkim -b 2048 -s testmode -d example.org -t -r

# rspamadm dkim_keygen prints the private key (PEM for RSA, a base64 line for Ed25519) and then
# the record; with -k the private key goes to that file and only the record is printed.
rspamadm dkim_keygen -s rsa2048 -d example.org -b 2048 >rspamd/rsa2048.stdout
rspamadm dkim_keygen -s ed25519 -d example.org -t ed25519 >rspamd/ed25519.stdout
rspamadm dkim_keygen -s split -d example.org -b 1024 -k rspamd/split.key >rspamd/split.txt
rspamadm dkim_keygen -s edsplit -d example.org -t ed25519 -k rspamd/edsplit.key >rspamd/edsplit.txt

# A file holding only the base64 key, as openssl writes it (wrapped at 64 columns).
openssl pkey -in opendkim/rsa2048.private -pubout -outform DER | openssl base64 >base64/rsa2048.b64
