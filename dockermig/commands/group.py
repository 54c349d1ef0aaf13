"""The click command group: wires the subcommands, logging and exit codes."""

import importlib
import logging
import sys

import click

from dockermig import __version__
from dockermig.cli import LOG_FORMAT
from dockermig.errors import DockermigError

# Subcommands are imported only when they run, so `dockermig check FILE` in a
# pre-commit hook does not pay for the modules that migrate and build need.
SUBCOMMANDS = {
    "migrate": "dockermig.commands.migrate:migrate",
    "check": "dockermig.commands.check:check",
    "explain": "dockermig.commands.check:explain",
    "build": "dockermig.commands.build:build",
}
# The one-line help that `dockermig --help` lists for each subcommand. It is
# kept here so the listing imports no subcommand, because importing migrate's
# engine alone took about 50 ms. Tests compare it with each command's own help.
SHORT_HELP = {
    "build": "Build each Dockerfile under PATHS (default: the current folder).",
    "check": "Check Dockerfiles for drift from the uv multi-stage pattern and for "
    "Dockerfile mistakes.",
    "explain": "Print what rule CODE flags, why it breaks, an example and the fix.",
    "migrate": "Rewrite pip-based Python Dockerfiles under PATHS (default: the current "
    "folder) into a uv builder stage and a slim runtime stage.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="dockermig")
@click.option("-v", "--verbose", count=True, help="Log more detail (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Log errors only.")
def cli(verbose: int, quiet: bool) -> None:
    """Migrate pip-based Python Dockerfiles to a uv builder stage and a slim
    runtime stage, check Dockerfiles for drift from that pattern, and build
    them to prove they work."""
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose > 1:
        level = logging.DEBUG
    logging.basicConfig(level=level, format=LOG_FORMAT)


def run() -> None:
    """Run the command line that sys.argv gives, with click; exits with the command's status."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(2)
    except DockermigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
