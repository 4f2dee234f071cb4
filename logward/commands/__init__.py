"""Subcommands of the ``logward`` command line, one module each.

Each module defines ``register(subparsers)``, which adds its parser(s) and sets
``func`` (``(argparse.Namespace) -> int``) as the parser default. Modules import
heavy dependencies inside ``func`` only, so ``logward --help`` stays fast.
"""

__all__: list[str] = []
