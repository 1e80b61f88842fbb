#!/usr/bin/perl
# Signs and verifies with Mail::DKIM, the library of SpamAssassin and amavis (RSA only: Debian's
# build has no Ed25519). Key records are looked up with Net::DNS, which RES_NAMESERVERS and
# RES_OPTIONS="port:N" point at the server under test.
#   dkim.pl sign KEYFILE DOMAIN SELECTOR < message > signed
#   dkim.pl verify < signed       prints "RESULT DETAIL", e.g. "pass" or "invalid (public key: revoked)"
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;

my $mode = shift @ARGV // '';
my $msg = do { local $/; <STDIN> };
$msg =~ s/\r?\n/\r\n/g;

if ($mode eq 'sign') {
	my ($keyfile, $domain, $selector) = @ARGV;
	my $signer = Mail::DKIM::Signer->new(
		Algorithm => 'rsa-sha256', Method => 'relaxed', Domain => $domain,
		Selector => $selector, KeyFile => $keyfile);
	$signer->PRINT($msg);
	$signer->CLOSE;
	print $signer->signature->as_string, "\r\n", $msg;
} elsif ($mode eq 'verify') {
	my $v = Mail::DKIM::Verifier->new;
	$v->PRINT($msg);
	$v->CLOSE;
	print $v->result_detail, "\n";
} else {
	die "usage: dkim.pl sign KEYFILE DOMAIN SELECTOR | dkim.pl verify\n";
}
