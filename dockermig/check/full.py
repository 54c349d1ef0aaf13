"""The `full` format: each finding with its source lines and fix, rendered with rich.

Imported only when this format is used, so that the concise path stays fast.
"""

from pathlib import Path

from rich.console import Console
from rich.text import Text

from dockermig.check.findings import Finding, Severity

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
CONTEXT_LINES = 3


def print_full(findings: list[Finding], console: Console | None = None) -> None:
    if console is None:
        console = Console()
        # Outside a terminal rich wraps at 80 columns, which splits messages in CI logs.
        console.soft_wrap = not console.is_terminal
    sources: dict[str, list[str]] = {}
    for finding in findings:
        if finding.path not in sources:
            sources[finding.path] = _read_lines(finding.path)
        _print_finding(console, finding, sources[finding.path])


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _print_finding(console: Console, finding: Finding, lines: list[str]) -> None:
    header = Text()
    header.append(f"{finding.path}:{finding.line}:{finding.column}: ", style="bold")
    header.append(f"{finding.code} ", style=STYLES[finding.severity])
    header.append(f"[{finding.severity.label}] ", style=STYLES[finding.severity])
    header.append(finding.message)
    console.print(header)
    last = min(finding.span.end_line, finding.line + CONTEXT_LINES - 1, len(lines))
    width = len(str(last))
    for number in range(finding.line, last + 1):
        console.print(Text(f"  {number:>{width}} | {lines[number - 1]}", style="dim"))
    if finding.fix:
        console.print(Text(f"  fix: {finding.fix}", style="green"))
    if finding.migrate_fixes:
        console.print(Text("  `dockermig migrate` can fix this", style="green"))
    console.print()
