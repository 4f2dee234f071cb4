"""``logward demo``: the whole product on the embedded default, in one command."""

from logward.demo._run import DemoOptions, DemoSummary, run_demo

__all__ = ["DemoOptions", "DemoSummary", "run_demo"]
