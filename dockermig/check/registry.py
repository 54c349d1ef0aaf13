"""The rule registry: one module per rule under rules/, named dm<code>_<name>.py."""

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import dockermig.rules
from dockermig.check.findings import Diagnostic, Severity

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Fix")


@dataclass(frozen=True)
class Rule:
    """A loaded rule module: its code, kebab-case name, default severity and check."""

    code: str
    name: str
    severity: Severity
    check: Callable[..., Iterable[Diagnostic]]
    doc: str
    module: ModuleType
    migrate_fixes: bool = False
    buildkit_name: str | None = None
    # The `dockermig migrate` option that its [*] fixes need, such as --fix-drift.
    migrate_option: str | None = None


@cache
def all_rules() -> tuple[Rule, ...]:
    """Import every rules/dm*.py module and return its rule, sorted by code."""
    rules = []
    for info in pkgutil.iter_modules(dockermig.rules.__path__):
        if not info.name.startswith("dm"):
            continue
        module = importlib.import_module(f"dockermig.rules.{info.name}")
        rules.append(
            Rule(
                code=module.CODE,
                name=module.NAME,
                severity=Severity.parse(module.SEVERITY),
                check=module.check,
                doc=inspect.cleandoc(module.__doc__ or ""),
                module=module,
                migrate_fixes=getattr(module, "MIGRATE_FIXES", False),
                buildkit_name=getattr(module, "BUILDKIT_NAME", None),
                migrate_option=getattr(module, "MIGRATE_OPTION", None),
            )
        )
    return tuple(sorted(rules, key=lambda rule: rule.code))


def find_rule(text: str) -> Rule | None:
    """Return the rule whose code, name or BuildKit name is `text` (case-insensitive)."""
    wanted = text.strip().lower()
    for rule in all_rules():
        names = (rule.code.lower(), rule.name, (rule.buildkit_name or "").lower())
        if wanted in names:
            return rule
    return None


def matches(selector: str, rule: Rule) -> bool:
    """Return whether a selector (ALL, a code prefix such as DM1, a code or a name) names `rule`."""
    wanted = selector.strip().upper()
    if wanted == "ALL":
        return True
    if rule.code.startswith(wanted):
        return True
    return wanted.lower() in (rule.name, (rule.buildkit_name or "").lower())


def validate_selector(selector: str) -> None:
    """Raise ValueError when a selector names no rule."""
    if not any(matches(selector, rule) for rule in all_rules()):
        raise ValueError(f"unknown rule code or name {selector!r}")


def selected_rules(select: list[str] | None, ignore: list[str]) -> list[Rule]:
    """Return the rules that `select` names (all when None) minus those `ignore` names."""
    chosen = []
    for rule in all_rules():
        if select is not None and not any(matches(item, rule) for item in select):
            continue
        if any(matches(item, rule) for item in ignore):
            continue
        chosen.append(rule)
    return chosen
