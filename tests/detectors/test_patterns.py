"""The shipped pattern rules, end to end through the engine: what goes, what stays."""

from __future__ import annotations

import pytest

from tests.detectors.test_validators import ALL_CARDS, IBANS

POSITIVE = [
    # (entity, value, line template with {v})
    ("EMAIL_ADDRESS", "john.smith@example.co.uk", "shipped to <{v}> today"),
    ("EMAIL_ADDRESS", "a.b-c+tag@sub.example.org", "from={v}"),
    ("EMAIL_ADDRESS", "jane%40example.com", "GET /reset?to={v}&x=1"),
    ("PHONE_NUMBER", "+44 20 7946 0958", "call {v} now"),
    ("PHONE_NUMBER", "+44 (0)20 7946 0958", "tel {v}"),
    ("PHONE_NUMBER", "+447700900123", "sms sent to {v}"),
    ("PHONE_NUMBER", "020 7946 0958", "office {v}."),
    ("PHONE_NUMBER", "(020) 7946 0958", "office {v}"),
    ("PHONE_NUMBER", "07700 900123", "mobile {v}"),
    ("PHONE_NUMBER", "07700900123", "customer {v} called"),
    ("PHONE_NUMBER", "0161 496 0000", "Manchester office {v}"),
    ("PHONE_NUMBER", "01614960345", "rang {v}"),
    ("PHONE_NUMBER", "(212) 555-0199", "NY {v}"),
    ("PHONE_NUMBER", "212-555-0199", "x {v} y"),
    ("PHONE_NUMBER", "212.555.0199", "x {v} y"),
    ("PHONE_NUMBER", "+1 212 555 0199", "x {v} y"),
    ("PHONE_NUMBER", "+1-212-555-0199x123", "x {v} y"),
    ("PHONE_NUMBER", "1-800-555-0199", "hotline {v}"),
    ("PHONE_NUMBER", "(772)984-0373x2386", "x {v} y"),
    ("PHONE_NUMBER", "001-355-383-3159x44329", "x {v} y"),
    ("PHONE_NUMBER", "5551234567", "phone: {v}"),
    ("PHONE_NUMBER", "2125550199", '{{"field": "{v}"}}'),
    ("PHONE_NUMBER", "(362)247-3178", "to:{v} ok"),
    ("PHONE_NUMBER", "0426442404", "({v})"),
    ("PHONE_NUMBER", "03 71 49 97 06", "FR {v}"),
    ("PHONE_NUMBER", "(07672) 42388", "DE {v}"),
    ("PHONE_NUMBER", "(0896)-376538", "x={v} took 12ms"),
    ("PHONE_NUMBER", "020-1234567", "NL {v}"),
    ("CREDIT_CARD", "4111 1111 1111 1111", "paid with {v}"),
    ("CREDIT_CARD", "4111-1111-1111-1111", "card={v}"),
    ("CREDIT_CARD", "3782 822463 10005", "amex {v}"),
    ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32", "refund to {v} ok"),
    ("IBAN_CODE", "DE89 3704 0044 0532 0130 00", "iban {v}"),
    ("IP_ADDRESS", "192.168.1.20", "login from {v}:51234"),
    ("IP_ADDRESS", "8.8.8.8", "dns {v}."),
    ("IP_ADDRESS", "2001:db8::1", "from {v} ok"),
    ("IP_ADDRESS", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "v6 {v}"),
    ("IP_ADDRESS", "fe80::1ff:fe23:4567:890a", "link-local {v}"),
    ("IP_ADDRESS", "::ffff:192.0.2.128", "mapped {v}"),
    ("IP_ADDRESS", "2001:db8::8a2e:370:7334", "client=[{v}]:8443"),
    ("IP_ADDRESS", "4111:e681:f1da:833d:1550:2391:74c0:db3e", "to:{v} ok"),
    ("IP_ADDRESS", "::ffff:10.0.0.1", "src={v}"),
    ("US_SSN", "536-90-4399", "ssn {v}"),
    ("US_SSN", "078-05-1120", "{v} on file"),
    ("US_SSN", "536904399", "SSN: {v}"),
    ("UK_NINO", "QQ 12 34 56 C", "NI number {v}"),
    ("UK_NINO", "AB123456D", "nino {v}"),
    ("UK_POSTCODE", "SW1A 1AA", "London {v}, UK"),
    ("UK_POSTCODE", "M1 1AE", "to {v}"),
    ("UK_POSTCODE", "EC1A1BB", "postcode {v}"),
    (
        "JWT",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3",
        "t {v}",
    ),
    ("AUTH_TOKEN", "Bearer abc123def456ghi789", "Authorization: {v}"),
    ("AUTH_TOKEN", "Basic dXNlcjpwYXNz", "authorization={v}"),
    ("AUTH_TOKEN", "mF_9.B5f-4.1JqM", "sent bearer {v} upstream"),
    ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE", "key {v} used"),
    ("AWS_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = {v}"),
    ("COOKIE", "session=8f3a; csrftoken=77aa", "Cookie: {v}"),
    ("URL_CREDENTIALS", "admin:pa55w0rd", "db postgres://{v}@db.example.com:5432/app"),
    ("PASSWORD", "hunter2", "login user=bob password={v} ok"),
    ("PASSWORD", "s3cr3t pass", '{{"password": "{v}"}}'),
    ("PASSWORD", "x", "dbPassword: {v}"),
    ("SECRET", "abcd1234", "api_key='{v}'"),
    ("SECRET", "tok_9f8e7d", "GET /cb?state=1&access_token={v}&page=2"),
    ("PERSON", "Bob", "GET /signup?first_name={v}&plan=pro"),
]


@pytest.mark.parametrize(("entity", "value", "template"), POSITIVE)
def test_value_is_removed(shipped, entity, value, template):
    """A labelled PII value disappears and its typed placeholder takes its place."""
    line = template.format(v=value)
    out = shipped.scrub_text(line)
    assert value not in out
    assert f"<{entity}>" in out


def test_private_key_block_is_removed(shipped):
    """A whole PEM private key block, escaped newlines and all, is replaced."""
    body = "MIIEowIBAAKCAQEA7V1x\\nq0d3f+AbCdEfGh=="
    line = f'{{"key": "-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----"}}'
    out = shipped.scrub_text(line)
    assert "MIIE" not in out
    assert "<PRIVATE_KEY>" in out


def test_truncated_private_key_is_removed(shipped):
    """A key block cut before its END line is still redacted to its end."""
    out = shipped.scrub_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\nAAAA")
    assert "b3Blbn" not in out


def test_url_credentials_keep_scheme_and_host(shipped):
    """Only user:password is replaced; scheme, host, port and path stay."""
    out = shipped.scrub_text("postgres://admin:pa55w0rd@db.example.com:5432/app")
    assert "postgres://<URL_CREDENTIALS>@db.example.com:5432/app" == out


@pytest.mark.parametrize("number", ALL_CARDS)
def test_every_public_test_card_is_removed(shipped, number):
    """Each brand's public test numbers are redacted, plain and spaced in fours."""
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    for form in (number, spaced):
        out = shipped.scrub_text(f"charged card {form} for 12.00 EUR")
        assert form not in out
        assert "<CREDIT_CARD>" in out


@pytest.mark.parametrize("iban", IBANS)
def test_every_example_iban_is_removed(shipped, iban):
    """Each country's example IBAN is redacted, compact and in groups of four."""
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    for form in (iban, spaced):
        out = shipped.scrub_text(f"payout to {form} done")
        assert form not in out
        assert "<IBAN_CODE>" in out


NEGATIVE = [
    "2024-01-15T10:23:45.123Z INFO request done",
    "2024-01-15 10:23:45,123 WARNING worker-3 retry 2/5",
    "Jan 15 10:23:45 web01 sshd[12345]: session opened",
    "request_id=550e8400-e29b-41d4-a716-446655440000 status=200",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "commit a3f9c2e1b4d5 deployed version 1.2.3 build 2024.01.15",
    "listening on port 8080 after 1532ms",
    "order 12345678 total 149.99 GBP, 3 items",
    "order #1234567890 shipped",
    "GET /api/v1/orders/987654 HTTP/1.1 200 5123 0.045",
    "took 0.123s, 1048576 bytes, pid=4242 tid=140234",
    "epoch 1700000000 and 1700000000123 ms",
    "ERROR DEBUG INFO CRITICAL",
    "duration=00:01:23.456 elapsed=12:30:45",
    "mac 00:1a:2b:3c:4d:5e iface eth0",
    "python 3.11.4 numpy 1.26.0 kernel 6.1.0-18-amd64",
    "version 10.2.3.4 released",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "http status 404 after 3 retries, backoff 250 ms",
    "disk 85% used, 120034 MB free, inode 1234567",
    "std::vector<int> resized to 1024",
    "file_name=report.pdf host_name=web01 logger_name=app.orders",
    "token_type=bearer expires_in=3600",
    "Order ID: 2200456789 created",
    "order 4829301734 shipped",
    "invoice 0289018172 paid",
    "12:30:45 and 10:23:45.123",
]


@pytest.mark.parametrize("line", NEGATIVE)
def test_non_pii_survives(shipped, line):
    """Timestamps, ids, versions, ports, durations and counts are left alone."""
    assert line == shipped.scrub_text(line)


def test_context_words_are_whole_words(shipped):
    """A context word inside another word (``telemetry``) does not boost a bare number."""
    assert "telemetry 5551234567" == shipped.scrub_text("telemetry 5551234567")
    assert "tel <PHONE_NUMBER>" == shipped.scrub_text("tel 5551234567")


def test_negative_context_lowers_score(shipped):
    """An IPv4-shaped version next to ``version`` is kept; a bare one is not."""
    assert "firmware version 1.2.3.4" == shipped.scrub_text("firmware version 1.2.3.4")
    assert "peer <IP_ADDRESS>" == shipped.scrub_text("peer 1.2.3.4")
