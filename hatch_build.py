"""Hatch build hook: compile the hot path with mypyc when logward is installed.

Runs ``tools/compile_hot.py`` (the modules of ``[tool.logward.compile]``) for a
wheel or an editable install. An editable install imports the extensions from
the source tree, where they are built; a wheel gets them packed in and a
platform tag. Compiling is best effort: without a C compiler, or on any error,
the build goes on as plain Python with a warning. ``LOGWARD_COMPILE=0`` skips it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles the hot path in place before the wheel is assembled."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("LOGWARD_COMPILE", "1") == "0":
            return
        root = Path(self.root)
        tools = str(root / "tools")
        cwd = Path.cwd()
        sys.path.insert(0, tools)
        compile_hot: Any = None
        try:
            import compile_hot

            compile_hot.ensure()
            built = compile_hot.extensions()
        except BaseException as exc:  # setup() exits on errors; a compiler may be missing
            if compile_hot is not None:
                compile_hot.clean()  # never a partial set of extensions
            self.app.display_warning(f"logward: hot path left as plain Python: {exc!r}")
            return
        finally:
            os.chdir(cwd)
            sys.path.remove(tools)
        if version == "editable" or not built:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        for path in built:
            build_data["force_include"][str(path)] = str(path.relative_to(root))
