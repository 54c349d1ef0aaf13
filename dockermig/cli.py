"""Command-line entry point.

A plain `dockermig check FILE...`, the way pre-commit runs the hook, is
handled here without click; everything else goes to the click command group
in dockermig/commands/group.py.
"""

import logging
import sys

from dockermig.errors import DockermigError

LOG_FORMAT = "%(levelname)s: %(message)s"


def main() -> None:
    paths = _plain_check_paths(sys.argv[1:])
    if paths is not None:
        sys.exit(_run_plain_check(paths))
    from dockermig.commands.group import run

    run()


def _plain_check_paths(arguments: list[str]) -> list[str] | None:
    """Return the paths of `check PATH...` with no options, else None.

    That is how pre-commit runs the hook. Such a run skips click, whose
    import takes about a fifth of a one-file check.
    """
    if len(arguments) < 2 or arguments[0] != "check":
        return None
    paths = arguments[1:]
    if any(path.startswith("-") for path in paths):
        return None
    return paths


def _run_plain_check(paths: list[str]) -> int:
    from pathlib import Path

    from dockermig.check.command import run_check

    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    try:
        return run_check([Path(path) for path in paths])
    except DockermigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr)
        return 130
