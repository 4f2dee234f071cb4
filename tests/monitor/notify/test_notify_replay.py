"""A replayed attack e-mails the security team through a real SMTP server with STARTTLS."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

from monitor import open_store

ROOT = Path(__file__).resolve().parents[3]
ATTACK = ROOT / "tests" / "monitor" / "golden" / "success-after-failures" / "input.log"

RESPONSES = """\
version: 1
revokers:
  embedded: {{type: sqlite}}
notify:
  dashboard_url: https://logward.example.internal/
  retry: {{attempts: 3, backoff: 50ms}}
  channels:
    security-mail:
      type: email
      host: 127.0.0.1
      port: {port}
      ca_file: {ca}
      sender: logward@example.internal
      recipients: [secops@example.internal]
responses:
  - name: compromise-suspected
    match: {{rule: success-after-failures, key: user.name}}
    actions:
      - {{type: revoke_account, revoker: embedded, mode: until_reviewed}}
      - {{type: notify, channel: security-mail}}
"""


@pytest.mark.integration
def test_replayed_attack_sends_one_email_over_starttls(tmp_path, smtp):
    """`logward monitor replay` with a responses file: one e-mail, over TLS, with the facts."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "detections", rules / "detections")
    (rules / "responses.yaml").write_text(RESPONSES.format(port=smtp.port, ca=smtp.cert))
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "logward", "monitor", "replay", "--format", "sshd",
         "--year", "2024", "--data-dir", str(data), "--rules", str(rules), str(ATTACK)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert 0 == result.returncode, result.stderr[-2000:]
    smtp.mailbox.wait(1)
    assert 1 == len(smtp.mailbox.messages)
    assert [True] == smtp.mailbox.tls
    _, rcpt, raw = smtp.mailbox.messages[0]
    assert ["secops@example.internal"] == rcpt
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert "[logward] CRITICAL success-after-failures user.name=dave" == mail["subject"]
    part = mail.get_body()
    assert part is not None
    body = part.get_content()
    for needle in ("Severity:    critical", "revoke_account: done", "Report by:", "/alerts/"):
        assert needle in body
    assert "203.0.113" not in body  # the address is not a key of this alert: not sent
    conn = open_store(data)
    try:
        sent = conn.execute("SELECT channel, state FROM notifications").fetchall()
        audited = conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'notify_sent'").fetchone()
    finally:
        conn.close()
    assert [("security-mail", "sent")] == [tuple(r) for r in sent]
    assert 1 == audited[0]
