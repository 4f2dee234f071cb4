"""``logward demo``: the whole product on the embedded default, in one command."""

from logward.demo._produce import ProduceOptions, produce
from logward.demo._run import DemoOptions, DemoSummary, run_demo, write_dashboard_config
from logward.demo._traffic import ATTACKS

__all__ = [
    "ATTACKS",
    "DemoOptions",
    "DemoSummary",
    "ProduceOptions",
    "produce",
    "run_demo",
    "write_dashboard_config",
]
