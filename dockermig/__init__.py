"""dockermig: migrate pip-based Python Dockerfiles to the uv multi-stage pattern."""

import importlib.util
import sys
from pathlib import Path

__version__ = "0.1.0"


def _register_rules_package() -> None:
    """Make the top-level rules/ folder importable as `dockermig.rules`.

    An installed wheel carries the rules inside the package as dockermig/rules.
    A source checkout keeps them in rules/ beside the package, so the package
    is registered from there under the same name.
    """
    package_dir = Path(__file__).parent
    if (package_dir / "rules" / "__init__.py").is_file():
        return
    source_dir = package_dir.parent / "rules"
    spec = importlib.util.spec_from_file_location(
        "dockermig.rules",
        source_dir / "__init__.py",
        submodule_search_locations=[str(source_dir)],
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"dockermig rule modules not found in {source_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dockermig.rules"] = module
    spec.loader.exec_module(module)
    setattr(sys.modules[__name__], "rules", module)


_register_rules_package()
