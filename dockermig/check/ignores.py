"""Inline suppressions: `# dockermig: ignore=CODE,...` on the comment lines right above an
instruction, and `# dockermig: ignore-file=CODE,...` anywhere in the file.

Codes may be followed by a reason after whitespace or `#`. Lines for other
tools, such as `# hadolint ignore=DL3008`, are left alone.
"""

import logging
import re
from dataclasses import dataclass, field

from dockermig.check.findings import Finding
from dockermig.check.registry import all_rules, matches
from dockermig.syntax import Comment, Dockerfile, Instruction

_PRAGMA = re.compile(
    r"^\s*#\s*dockermig:\s*(?P<kind>ignore|ignore-file)\s*=\s*(?P<codes>[^\s#]+)"
)

logger = logging.getLogger(__name__)


@dataclass
class Suppressions:
    """The codes ignored in a whole file and per instruction line range."""

    file_codes: list[str] = field(default_factory=list)
    ranges: list[tuple[int, int, list[str]]] = field(default_factory=list)

    def suppresses(self, finding: Finding) -> bool:
        rule = next((rule for rule in all_rules() if rule.code == finding.code), None)
        if rule is None:
            return False
        if any(matches(code, rule) for code in self.file_codes):
            return True
        return any(
            first <= finding.line <= last and any(matches(code, rule) for code in codes)
            for first, last, codes in self.ranges
        )


def read_suppressions(tree: Dockerfile, path: str) -> Suppressions:
    suppressions = Suppressions()
    pending: list[str] = []
    for node in tree.nodes:
        if isinstance(node, Comment):
            match = _PRAGMA.match(node.text)
            if match is None:
                continue
            codes = [code for code in match.group("codes").split(",") if code]
            _warn_unknown(codes, path, node.line)
            if match.group("kind") == "ignore-file":
                suppressions.file_codes += codes
            else:
                pending += codes
            continue
        if isinstance(node, Instruction) and pending:
            suppressions.ranges.append((node.line, node.end_line, pending))
        # A blank line or an instruction ends the comment block above the next instruction.
        pending = []
    return suppressions


def _warn_unknown(codes: list[str], path: str, line: int) -> None:
    for code in codes:
        if not any(matches(code, rule) for rule in all_rules()):
            logger.warning(
                "%s:%d: unknown rule %r in a dockermig ignore comment", path, line, code
            )
