"""Report formats: concise, json, sarif and github. The rich `full` format is in full.py."""

import json
from collections.abc import Iterable
from pathlib import PurePath
from urllib.parse import quote

from dockermig import __version__
from dockermig.check.findings import Finding, Severity
from dockermig.check.registry import Rule

FORMATS = ("concise", "full", "json", "sarif", "github")
MIGRATE_MARKER = "[*]"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}
GITHUB_COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def format_concise(findings: Iterable[Finding]) -> str:
    """Format one `path:line:col: CODE message` line per finding, with [*] when migrate fixes it."""
    lines = []
    for finding in findings:
        marker = f" {MIGRATE_MARKER}" if finding.migrate_fixes else ""
        lines.append(
            f"{finding.path}:{finding.line}:{finding.column}: {finding.code}{marker} {finding.message}"
        )
    return "".join(line + "\n" for line in lines)


def finding_record(finding: Finding) -> dict:
    return {
        "path": finding.path,
        "line": finding.span.line,
        "column": finding.span.column,
        "end_line": finding.span.end_line,
        "end_column": finding.span.end_column,
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "fix": finding.fix,
    }


def format_json(findings: Iterable[Finding]) -> str:
    return (
        json.dumps([finding_record(finding) for finding in findings], indent=2) + "\n"
    )


def format_github(findings: Iterable[Finding]) -> str:
    """GitHub Actions workflow commands, which the runner shows as annotations on the diff."""
    lines = []
    for finding in findings:
        span = finding.span
        properties = {
            "file": finding.path,
            "line": span.line,
            "col": span.column,
            "endLine": span.end_line,
            "endColumn": span.end_column,
            "title": f"{finding.code} {finding.name}",
        }
        rendered = ",".join(
            f"{key}={_escape_property(str(value))}" for key, value in properties.items()
        )
        message = finding.message + (f" (fix: {finding.fix})" if finding.fix else "")
        command = GITHUB_COMMANDS[finding.severity]
        lines.append(f"::{command} {rendered}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_sarif(findings: list[Finding], rules: list[Rule]) -> str:
    """Build a SARIF 2.1.0 log with one run, the rules that ran, and one result per finding."""
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    results = [_sarif_result(finding, rule_index) for finding in findings]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dockermig",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _sarif_rule(rule: Rule) -> dict:
    summary = rule.doc.splitlines()[0] if rule.doc else rule.name
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": rule.doc or summary},
        "help": {"text": rule.doc or summary, "markdown": rule.doc or summary},
        "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
        "properties": {"tags": ["dockerfile"]},
    }
    if rule.buildkit_name:
        descriptor["properties"]["buildkitName"] = rule.buildkit_name
    return descriptor


def _sarif_result(finding: Finding, rule_index: dict[str, int]) -> dict:
    span = finding.span
    result = {
        "ruleId": finding.code,
        "level": SARIF_LEVELS[finding.severity],
        "message": {
            "text": finding.message + (f" (fix: {finding.fix})" if finding.fix else "")
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(finding.path)},
                    "region": {
                        "startLine": span.line,
                        "startColumn": span.column,
                        "endLine": span.end_line,
                        "endColumn": max(span.end_column, 1),
                    },
                }
            }
        ],
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    return result


def sarif_uri(path: str) -> str:
    """Return a relative URI reference for a relative path and a file URI for an absolute one."""
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix())
