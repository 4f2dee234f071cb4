"""Byte scan of every file under a data directory for plaintext identifiers."""

from __future__ import annotations

from pathlib import Path

# The documented exception: firewalls must read the deny-list.
EXEMPT = {"denylist.txt"}


def plaintext_hits(
    root: Path, needles: list[str], skip: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Return ``{"file: needle": count}`` for every needle found in any file under ``root``.

    Also looks for UTF-16 and the needle's raw bytes inside larger values.
    """
    hits: dict[str, int] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = str(path.relative_to(root))
        if path.name in EXEMPT or rel in skip:
            continue
        data = path.read_bytes()
        for needle in needles:
            for form in (needle.encode(), needle.encode("utf-16-le")):
                n = data.count(form)
                if n:
                    hits[f"{rel}: {needle}"] = hits.get(f"{rel}: {needle}", 0) + n
    return hits
