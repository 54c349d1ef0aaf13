"""Every rule module has its constants, its documentation sections and tests that name its code."""

import re
from pathlib import Path

import pytest

from dockermig.check.registry import DOC_SECTIONS, all_rules

TESTS = Path(__file__).parent
RULES = all_rules()


def test_rules_are_loaded():
    codes = [rule.code for rule in RULES]
    assert "DM001" in codes
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_module_constants(rule):
    assert re.fullmatch(r"DM\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    module_file = Path(rule.module.__file__).name
    assert module_file == f"{rule.code.lower()}_{rule.name.replace('-', '_')}.py"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_has_docs(rule):
    summary = rule.doc.splitlines()[0] if rule.doc else ""
    assert summary, f"{rule.code} has no docstring"
    for section in DOC_SECTIONS:
        assert f"## {section}" in rule.doc, (
            f"{rule.code} docstring lacks '## {section}'"
        )


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_has_tests(rule):
    test_text = "".join(path.read_text() for path in TESTS.glob("test_rules_*.py"))
    assert f'"{rule.code}"' in test_text, f"no test_rules_*.py names {rule.code}"


def test_buildkit_rules_carry_buildkit_names():
    buildkit = [rule for rule in RULES if rule.code.startswith("DM3")]
    assert [rule.buildkit_name for rule in buildkit] == [
        "FromAsCasing", "StageNameCasing", "ConsistentInstructionCasing", "DuplicateStageName",
        "ReservedStageName", "JSONArgsRecommended", "MaintainerDeprecated", "UndefinedArgInFrom",
        "WorkdirRelativePath", "UndefinedVar", "MultipleInstructionsDisallowed", "LegacyKeyValueFormat",
        "RedundantTargetPlatform", "SecretsUsedInArgOrEnv", "InvalidDefaultArgInFrom",
        "FromPlatformFlagConstDisallowed", "CopyIgnoredFile", "ExposeProtoCasing", "ExposeInvalidFormat",
        "NoEmptyContinuation",
    ]  # fmt: skip
