"""A store whose saved state cannot be read gives a StoreError, never a traceback."""

from __future__ import annotations

import pytest

from logward_base.errors import StoreError
from logward_base.paths import rules_dir
from monitor import DetectionEngine, StateStore, load_rules, open_store


@pytest.mark.parametrize("value", ["abc", ""])
def test_unreadable_watermark_is_a_store_error(tmp_path, value):
    """A watermark meta row that is not a number raises StoreError naming no value."""
    conn = open_store(tmp_path)
    conn.execute("INSERT INTO meta (k, v) VALUES ('monitor.watermark', ?)", (value,))
    conn.commit()
    engine = DetectionEngine(load_rules(rules_dir()))
    try:
        with pytest.raises(StoreError) as info:
            StateStore(conn).load(engine)
    finally:
        conn.close()
    assert "cannot load window state: ValueError" == str(info.value)
