#!/usr/bin/python3
"""Signs a message with dkimpy (python3-dkim) and verifies it with key records from the server.

    dkimpy_check.py PORT KEYFILE DOMAIN SELECTOR ALGORITHM intact|tampered

ALGORITHM is rsa-sha256 or ed25519-sha256. KEYFILE is a PEM private key (PKCS#1 or PKCS#8); an
Ed25519 one is handed to dkimpy as the base64 of its 32-byte seed. Prints "pass", or "fail: "
and dkimpy's reason. Key records are fetched from 127.0.0.1:PORT through dkimpy's dnsfunc, with
dnspython when installed and dig otherwise.
"""
import base64
import io
import logging
import re
import subprocess
import sys

import dkim

MESSAGE = (b"From: Alice <alice@DOMAIN>\r\nTo: Bob <bob@example.com>\r\nSubject: interop\r\n"
           b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <interop@DOMAIN>\r\n\r\n"
           b"Hello Bob,\r\nthis message is signed.\r\n")


def txt_dnspython(port):
    import dns.resolver

    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port

    def lookup(name, timeout=5):
        qname = name.decode() if isinstance(name, bytes) else name
        try:
            answer = res.resolve(qname.rstrip(".") + ".", "TXT", lifetime=timeout, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        # One key record: its character-strings joined, as RFC 6376 3.6.2.2 says.
        return b"".join(answer[0].strings)

    return lookup


def txt_dig(port):
    def lookup(name, timeout=5):
        qname = name.decode() if isinstance(name, bytes) else name
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+short", "+tries=1",
                              "+time=%d" % timeout, qname, "TXT"],
                             capture_output=True, check=True, text=True).stdout
        lines = out.splitlines()
        if not lines:
            return None
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', lines[0])).encode()

    return lookup


def private_key(path, algorithm):
    pem = open(path, "rb").read()
    if algorithm != b"ed25519-sha256":
        return pem
    der = base64.b64decode(b"".join(l for l in pem.splitlines() if not l.startswith(b"-----")))
    return base64.b64encode(der[-32:])  # PKCS#8 Ed25519: a fixed header, then the 32-byte seed


def main():
    port, keyfile, domain, selector, algorithm, mode = sys.argv[1:7]
    port, algorithm = int(port), algorithm.encode()
    try:
        lookup = txt_dnspython(port)
    except ImportError:
        lookup = txt_dig(port)
    message = MESSAGE.replace(b"DOMAIN", domain.encode())
    signature = dkim.sign(message, selector.encode(), domain.encode(), private_key(keyfile, algorithm),
                          signature_algorithm=algorithm)
    signed = signature + message
    if mode == "tampered":
        signed = signed.replace(b"is signed", b"is forged")
    log = io.StringIO()
    logger = logging.getLogger("dkimpy")
    logger.addHandler(logging.StreamHandler(log))
    logger.setLevel(logging.DEBUG)
    if dkim.verify(signed, logger=logger, dnsfunc=lookup):
        print("pass")
    else:
        lines = log.getvalue().strip().splitlines() or ["no reason logged"]
        print("fail: " + lines[-1][-200:])


main()
