"""Read setup.py without running it, and setup.cfg, into a ProjectSpec.

setup.py is parsed with libcst. The keyword arguments of the `setup(...)` call
are evaluated only when they are literals, module-level names bound to
literals, or lists, tuples and strings joined with `+`. Anything else (a call,
a comprehension, a file read) is reported as a problem that names the keyword.
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path
from typing import Any

from dockermig.companions.requirements import decode_text_file, read_requirements
from dockermig.companions.spec import ProjectSpec
from dockermig.errors import InputFileError

# The setup() keywords that dockermig reads.
_KEYWORDS = (
    "name",
    "version",
    "install_requires",
    "python_requires",
    "extras_require",
    "entry_points",
    "packages",
    "py_modules",
)
_COMMENT = re.compile(r"(^|\s)#.*$")
# Keywords whose value dockermig cannot guess: a dynamic value is a problem.
_REQUIRED_STATIC = (
    "install_requires",
    "python_requires",
    "extras_require",
    "entry_points",
)


class _DynamicValue(Exception):
    """An expression whose value is only known by running setup.py."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def read_setuptools(
    spec: ProjectSpec, setup_py: Path | None, setup_cfg: Path | None
) -> None:
    """Fill spec from setup.cfg, then from setup.py, whose keyword arguments take precedence."""
    spec.is_package = True
    values: dict[str, Any] = {}
    if setup_cfg is not None and setup_cfg.is_file():
        values.update(_read_setup_cfg(spec, setup_cfg))
    if setup_py is not None and setup_py.is_file():
        keywords, dynamic = read_setup_py_keywords(setup_py)
        values.update(keywords)
        for keyword, description in dynamic.items():
            if keyword in values:
                # NOTE: setup.cfg supplies this keyword, and setup.py overrides it
                # with a value only known at run time; the setup.cfg value is used.
                continue
            if keyword == "version":
                spec.dynamic_version = True
            elif keyword in _REQUIRED_STATIC:
                spec.add_problem(
                    setup_py,
                    keyword,
                    f"{keyword} is dynamic ({description}), so it is only known by running "
                    "setup.py; write the value as a literal list or string, or move it to "
                    "[project] in pyproject.toml",
                )
            elif keyword == "name":
                spec.notes.append(
                    f"setup.py computes name ({description}); the folder name is used"
                )
    _apply(spec, values, setup_py or setup_cfg)


def read_setup_py_keywords(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (static values, {keyword: why it is dynamic}) for the setup() call in path.

    Raises InputFileError when the file is not valid Python or calls no setup().
    """
    # Imported here because importing libcst and libcst.matchers took about 0.5 s
    # (`python -X importtime`, CPython 3.11.7).
    import libcst

    source = decode_text_file(path)
    try:
        module = libcst.parse_module(source)
    except libcst.ParserSyntaxError as error:
        raise InputFileError(
            path,
            f"is not valid Python (line {error.raw_line}: {error.message})",
            "fix it",
        ) from None

    evaluator = _Evaluator(module)
    call = _find_setup_call(module)
    if call is None:
        raise InputFileError(
            path,
            "calls no setup() function that dockermig can find",
            "declare the project in pyproject.toml [project] instead",
        )
    values: dict[str, Any] = {}
    dynamic: dict[str, str] = {}
    for argument in call.args:
        if argument.star == "**":
            try:
                extra = evaluator.evaluate(argument.value)
            except _DynamicValue as error:
                for keyword in _KEYWORDS:
                    dynamic.setdefault(
                        keyword, f"passed through **, from {error.description}"
                    )
                continue
            if isinstance(extra, dict):
                values.update({k: v for k, v in extra.items() if k in _KEYWORDS})
            continue
        if argument.keyword is None or argument.keyword.value not in _KEYWORDS:
            continue
        keyword = argument.keyword.value
        try:
            values[keyword] = evaluator.evaluate(argument.value)
            dynamic.pop(keyword, None)
        except _DynamicValue as error:
            dynamic[keyword] = error.description
    return values, dynamic


def _find_setup_call(module):
    import libcst
    import libcst.matchers as m

    calls = m.findall(
        module,
        m.Call(func=m.Name("setup") | m.Attribute(attr=m.Name("setup"))),
    )
    for call in calls:
        if isinstance(call, libcst.Call):
            return call
    return None


class _Evaluator:
    """Evaluate libcst expressions that are literals, module-level names or `+` of them."""

    def __init__(self, module) -> None:
        self.module = module
        self.assignments: dict[str, list] = {}
        self.conditional: set[str] = set()
        self._collect_assignments()

    def _collect_assignments(self) -> None:
        import libcst

        for statement in self.module.body:
            if isinstance(statement, libcst.SimpleStatementLine):
                for small in statement.body:
                    self._record(small)
            else:
                # A name bound inside if, try, for or with at module level has a
                # value that depends on the run.
                for node in _walk_assignments(statement):
                    self.conditional.update(_target_names(node))

    def _record(self, node) -> None:
        import libcst

        if isinstance(node, libcst.Assign):
            for target in node.targets:
                if isinstance(target.target, libcst.Name):
                    self.assignments[target.target.value] = [node.value]
        elif isinstance(node, libcst.AnnAssign) and node.value is not None:
            if isinstance(node.target, libcst.Name):
                self.assignments[node.target.value] = [node.value]
        elif isinstance(node, libcst.AugAssign) and isinstance(
            node.target, libcst.Name
        ):
            name = node.target.value
            if isinstance(node.operator, libcst.AddAssign) and name in self.assignments:
                self.assignments[name].append(node.value)
            else:
                self.conditional.add(name)

    def evaluate(self, node, names_in_progress: frozenset = frozenset()) -> Any:
        import libcst

        code = self.module.code_for_node(node).strip()
        if isinstance(node, (libcst.SimpleString, libcst.Integer, libcst.Float)):
            return ast.literal_eval(code)
        if isinstance(node, libcst.ConcatenatedString):
            # Adjacent string literals, as in "a" "b"; either side may be an f-string.
            left = self.evaluate(node.left, names_in_progress)
            right = self.evaluate(node.right, names_in_progress)
            return _add(left, right, code)
        if isinstance(node, libcst.FormattedString):
            raise _DynamicValue(f"the f-string {code}")
        if isinstance(node, libcst.Name):
            return self._evaluate_name(node.value, names_in_progress)
        if isinstance(node, (libcst.List, libcst.Tuple, libcst.Set)):
            items = []
            for element in node.elements:
                value = self.evaluate(element.value, names_in_progress)
                if isinstance(element, libcst.StarredElement):
                    items.extend(value)
                else:
                    items.append(value)
            return tuple(items) if isinstance(node, libcst.Tuple) else items
        if isinstance(node, libcst.Dict):
            result = {}
            for element in node.elements:
                if isinstance(element, libcst.StarredDictElement):
                    result.update(self.evaluate(element.value, names_in_progress))
                else:
                    key = self.evaluate(element.key, names_in_progress)
                    result[key] = self.evaluate(element.value, names_in_progress)
            return result
        if isinstance(node, libcst.BinaryOperation) and isinstance(
            node.operator, libcst.Add
        ):
            left = self.evaluate(node.left, names_in_progress)
            right = self.evaluate(node.right, names_in_progress)
            return _add(left, right, code)
        if isinstance(node, libcst.Call):
            callee = self.module.code_for_node(node.func)
            raise _DynamicValue(f"a call to {callee}()")
        if isinstance(
            node,
            (libcst.ListComp, libcst.SetComp, libcst.DictComp, libcst.GeneratorExp),
        ):
            raise _DynamicValue(f"the comprehension {code}")
        raise _DynamicValue(f"the expression {code}")

    def _evaluate_name(self, name: str, names_in_progress: frozenset) -> Any:
        constants = {"True": True, "False": False, "None": None}
        if name in constants:
            return constants[name]
        if name in self.conditional:
            raise _DynamicValue(f"the name {name}, which is assigned conditionally")
        if name not in self.assignments or name in names_in_progress:
            raise _DynamicValue(
                f"the name {name}, which has no module-level literal value"
            )
        values = [
            self.evaluate(value, names_in_progress | {name})
            for value in self.assignments[name]
        ]
        result = values[0]
        for value in values[1:]:
            result = _add(result, value, f"{name} += ...")
        return result


def _add(left: Any, right: Any, code: str) -> Any:
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return list(left) + list(right)
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    raise _DynamicValue(f"the expression {code}, which adds values of different types")


def _walk_assignments(statement):
    import libcst

    found = []

    class Collector(libcst.CSTVisitor):
        def visit_Assign(self, node) -> None:
            found.append(node)

        def visit_AugAssign(self, node) -> None:
            found.append(node)

        def visit_AnnAssign(self, node) -> None:
            found.append(node)

        def visit_FunctionDef(self, node) -> bool:
            return False

        def visit_ClassDef(self, node) -> bool:
            return False

    statement.visit(Collector())
    return found


def _target_names(node) -> list[str]:
    import libcst

    targets = (
        [t.target for t in node.targets]
        if isinstance(node, libcst.Assign)
        else [node.target]
    )
    return [target.value for target in targets if isinstance(target, libcst.Name)]


def _read_setup_cfg(spec: ProjectSpec, path: Path) -> dict[str, Any]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(decode_text_file(path), source=str(path))
    except configparser.Error as error:
        raise InputFileError(
            path, f"is not a valid INI file ({error})", "fix its syntax"
        ) from None

    def get(section: str, key: str) -> str | None:
        if parser.has_option(section, key):
            return parser.get(section, key)
        return None

    values: dict[str, Any] = {}
    for key in ("name", "version"):
        value = get("metadata", key)
        if value is None:
            continue
        if value.strip().startswith(("attr:", "file:")):
            if key == "version":
                spec.dynamic_version = True
            continue
        values[key] = value.strip()
    requirements = get("options", "install_requires")
    if requirements is not None:
        values["install_requires"] = _cfg_list(
            spec, path, requirements, "install_requires"
        )
    python_requires = get("options", "python_requires")
    if python_requires:
        values["python_requires"] = python_requires.strip()
    if (
        get("options", "packages") is not None
        or get("options", "py_modules") is not None
    ):
        values["packages"] = True
    if parser.has_section("options.extras_require"):
        values["extras_require"] = {
            extra: _cfg_list(spec, path, text, f"extras_require.{extra}")
            for extra, text in parser.items("options.extras_require")
        }
    scripts = get("options.entry_points", "console_scripts")
    if scripts is not None:
        values["entry_points"] = {"console_scripts": scripts.strip().splitlines()}
    return values


def _cfg_list(spec: ProjectSpec, path: Path, text: str, key: str) -> list[str]:
    """Split a setup.cfg list value, reading `file:` directives as requirements files."""
    stripped = text.strip()
    if stripped.startswith("file:"):
        result = []
        for name in stripped.removeprefix("file:").replace(",", " ").split():
            requirements = read_requirements(path.parent / name)
            result.extend(requirements.requirements)
            for problem in requirements.problems:
                spec.add_problem(problem.file, problem.text, problem.reason)
        return result
    # setuptools splits a one-line value at ";" and a multi-line value at line ends.
    separator = "\n" if "\n" in stripped else ";"
    return [line.strip() for line in stripped.split(separator) if line.strip()]


def _apply(spec: ProjectSpec, values: dict[str, Any], path: Path | None) -> None:
    if isinstance(values.get("name"), str):
        spec.name = values["name"]
    if isinstance(values.get("version"), str):
        spec.version = values["version"]
    if isinstance(values.get("python_requires"), str):
        spec.requires_python = values["python_requires"]
    requirements = values.get("install_requires")
    if requirements is not None:
        spec.dependencies = _requirement_list(requirements)
    for extra, extra_requirements in (values.get("extras_require") or {}).items():
        spec.optional_dependencies[extra] = _requirement_list(extra_requirements)
    entry_points = values.get("entry_points")
    if isinstance(entry_points, str):
        entry_points = _parse_entry_points_ini(entry_points)
    console_scripts = (entry_points or {}).get("console_scripts", [])
    for line in _requirement_list(console_scripts):
        name, equals, target = line.partition("=")
        if not equals:
            spec.add_problem(
                path, line, "is not a console script of the form name = module:function"
            )
            continue
        # Drop an extras list, as in `tool = pkg.cli:main [cli]`.
        spec.scripts[name.strip()] = target.split("[")[0].strip()


def _requirement_list(value: Any) -> list[str]:
    """Split a setuptools list value, which may be one string with a requirement per line."""
    if isinstance(value, str):
        value = value.splitlines()
    result = []
    for line in value:
        # A comment starts at "#" after whitespace, so URL fragments such as #egg= stay.
        text = _COMMENT.sub("", str(line)).strip()
        if text:
            result.append(text)
    return result


def _parse_entry_points_ini(text: str) -> dict[str, list[str]]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string(text)
    return {
        section: [f"{name} = {target}" for name, target in parser.items(section)]
        for section in parser.sections()
    }
