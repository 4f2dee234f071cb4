"""No network at import or first use: every module imports, and a first scrub (with and
without NER) runs, while any non-loopback connection or name lookup is an error.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest
from pytest_socket import SocketConnectBlockedError

PACKAGES = ["logward", "scrubber", "detectors", "monitor"]

# Runs in a fresh interpreter: an audit hook (installed before anything is
# imported) refuses every connection and DNS lookup that is not loopback, so the
# check does not depend on pytest-socket or on what the parent already imported.
_GUARDED = textwrap.dedent(
    """
    import sys

    PACKAGES = {packages!r}
    LOOPBACK = ("127.0.0.1", "::1", "localhost")
    attempts = []

    def guard(event, args):
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else str(address)
            if isinstance(address, tuple) and host not in LOOPBACK:
                attempts.append(f"connect {host}")
                raise OSError("network access attempted: " + host)
        elif event == "socket.getaddrinfo":
            host = args[0]
            if host not in LOOPBACK and host is not None:
                attempts.append(f"getaddrinfo {host}")
                raise OSError("name lookup attempted: " + str(host))

    sys.addaudithook(guard)

    import importlib
    import pkgutil

    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if not info.name.endswith(".__main__"):
                importlib.import_module(info.name)

    import scrubber

    line = "user Yves Bouvet <yves@example.org> at 12 Wood Street paid with 4111111111111111"
    plain = scrubber.load_scrubber().scrub_text(line)
    ner = scrubber.load_scrubber(ner=True).scrub_text(line)
    assert "yves@example.org" not in plain and "4111111111111111" not in plain, plain
    assert "Yves Bouvet" not in ner and "Wood Street" not in ner, ner
    print("attempts:", attempts)
    print("ok")
    """
).replace("{packages!r}", repr(PACKAGES))


@pytest.mark.ner
@pytest.mark.integration
def test_imports_and_first_scrub_need_no_network() -> None:
    """Importing every module and a first scrub with and without NER touch no network."""
    proc = subprocess.run(
        [sys.executable, "-c", _GUARDED],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert 0 == proc.returncode, proc.stderr[-3000:]
    assert ["attempts: []", "ok"] == proc.stdout.split("\n")[-3:-1]


def test_network_guard_is_active() -> None:
    """pytest-socket refuses non-loopback connections for the whole run."""
    with (
        pytest.raises(SocketConnectBlockedError),
        pytest.warns(UserWarning, match="192.0.2.1"),
    ):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_loopback_still_allowed() -> None:
    """Loopback stays usable (the real service fixtures need it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
