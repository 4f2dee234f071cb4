"""``logward demo``: the whole product on the embedded default, in one command."""

from logward.demo._produce import ProduceOptions, produce
from logward.demo._run import DemoOptions, DemoSummary, run_demo

__all__ = ["DemoOptions", "DemoSummary", "ProduceOptions", "produce", "run_demo"]
