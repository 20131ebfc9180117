"""The documentation is tested: its Python examples run, its reference cannot drift.

How code blocks in ``README.md`` and ``docs/*.md`` are treated, by the fence's
info string (the first word is the language a code host highlights):

- ``python``: run. The blocks of one file run in order in **one shared
  namespace**, so a page can tell one story (a later block uses what an
  earlier one defined). Every file starts from a fresh namespace, a fresh
  sandbox and a fresh temporary working directory (examples may write
  session files and cassettes there).
- ``python pytest``: a test module for the reader's own suite. It is
  written to a fresh project and run by pytest (``pytester``, in process),
  with the plugin's fixtures (``ttnc_sandbox``, ``ttnc_api``,
  ``ttnc_cassette``) arriving through the package's entry point, as in a
  user's project; every test in it must pass. Words after ``pytest`` are
  passed to pytest as options (``python pytest --ttnc-record=once``).
- ``python no-run``: not run (it needs real TTNC credentials and an
  allow-listed IP, say), but compiled, so a syntax error still fails.
  :data:`NO_RUN` pins how many each file may hold, with the reason: adding
  one means justifying it there.
- Anything else (``console``, ``bash``, ``xml``, ``text``, ``json``): not
  run. Other spellings of Python (``py``, ``python3``, ``pycon``) are
  refused, so no example escapes these rules.

Names pre-bound in every file's namespace, for a sandbox started for that
file (seed 0): ``sandbox``, ``url`` (``sandbox.url``), and ``username``,
``password``, ``vkey`` (its demo account). The environment points the
library at it too: ``TTNC_API_URL``, ``TTNC_USERNAME``, ``TTNC_PASSWORD``
and ``TTNC_VKEY``, so ``TTNCApi(username, password, vkey)`` with no URL
reaches the sandbox, as it would reach TTNC in a reader's shell.

Also here: ``docs/operations.md`` equals what :mod:`ttnc_pipeline._docs`
generates; README's shell commands are exactly ``make demo`` and ``make
test``; relative links point at files that exist; every public name in a
public module's ``__all__`` has a docstring.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import structlog

import ttnc_pipeline
from ttnc_pipeline._docs import EXAMPLE_PARAMS, operations_markdown
from ttnc_pipeline.operations import OPERATIONS
from ttnc_pipeline.sandbox import Sandbox

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

NO_RUN: dict[str, int] = {}
"""How many ``python no-run`` blocks each file may hold (absent: none)."""

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_OTHER_PYTHONS = {"py", "python3", "py3", "pycon", "ipython", "pytest"}


@attrs.frozen
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int
    """Line of the opening fence, counting from 1."""
    info: tuple[str, ...]
    """The info string's words: ``("python", "no-run")``."""
    code: str

    @property
    def language(self) -> str:
        return self.info[0] if self.info else ""

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, in order (indented fences are dedented)."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    position = 0
    while position < len(lines):
        opening = _FENCE.match(lines[position])
        position += 1
        if opening is None:
            continue
        indent, fence = opening["indent"], opening["fence"]
        body: list[str] = []
        while position < len(lines):
            line = lines[position]
            position += 1
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                break
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
        else:
            raise AssertionError(f"{path.relative_to(ROOT)}:{position}: unclosed code fence")
        start = position - len(body) - 1
        found.append(Block(path, start, tuple(opening["info"].split()), "\n".join(body) + "\n"))
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox for one page, the environment pointing at it, and a clean slate after.

    Pages may configure structlog and stdlib logging as a reader would;
    both are put back afterwards so no other test sees it.
    """
    root, library = logging.getLogger(), logging.getLogger("ttnc_pipeline")
    saved = (
        list(root.handlers),
        root.level,
        list(library.handlers),
        library.level,
        library.propagate,
    )
    monkeypatch.chdir(tmp_path)
    with Sandbox(seed=0) as sandbox:
        credentials = sandbox.credentials
        monkeypatch.setenv("TTNC_API_URL", sandbox.url)
        monkeypatch.setenv("TTNC_USERNAME", credentials.username)
        monkeypatch.setenv("TTNC_PASSWORD", credentials.password)
        monkeypatch.setenv("TTNC_VKEY", credentials.vkey)
        monkeypatch.delenv("TTNC_RECORD", raising=False)
        try:
            yield sandbox
        finally:
            structlog.reset_defaults()
            root.handlers[:], root.level = saved[0], saved[1]
            library.handlers[:], library.level, library.propagate = saved[2:]


@pytest.mark.parametrize("path", DOCS, ids=_name)
def test_python_examples_run_against_the_sandbox(
    path: Path, isolated: Sandbox, request: pytest.FixtureRequest
) -> None:
    credentials = isolated.credentials
    namespace: dict[str, Any] = {
        "__name__": f"docs_{path.stem.replace('-', '_')}",
        "sandbox": isolated,
        "url": isolated.url,
        "username": credentials.username,
        "password": credentials.password,
        "vkey": credentials.vkey,
    }
    no_run = 0
    for block in blocks(path):
        if block.language in _OTHER_PYTHONS:
            raise AssertionError(
                f"{block.where}: write Python examples under ```python (run), "
                "```python pytest or ```python no-run, not ```" + " ".join(block.info)
            )
        if block.language != "python":
            continue
        code = compile(block.code, block.where, "exec")
        modes = block.info[1:]
        if modes == ("no-run",):
            no_run += 1
        elif modes[:1] == ("pytest",):
            _run_as_test_module(request.getfixturevalue("pytester"), block, modes[1:])
        elif not modes:
            try:
                exec(code, namespace)
            except BaseException as exc:
                raise AssertionError(f"the example at {block.where} failed: {exc!r}") from exc
        else:
            raise AssertionError(f"{block.where}: unknown fence words {' '.join(modes)!r}")
    allowed = NO_RUN.get(_name(path), 0)
    assert no_run == allowed, (
        f"{_name(path)} holds {no_run} `python no-run` blocks; NO_RUN allows {allowed}. "
        "Make the example run against the sandbox, or justify it in NO_RUN."
    )


def _run_as_test_module(pytester: pytest.Pytester, block: Block, options: tuple[str, ...]) -> None:
    module = f"test_doc_{block.path.stem.replace('-', '_')}_{block.line}"
    pytester.makepyfile(**{module: block.code})
    result = pytester.runpytest_inprocess(f"{module}.py", "-p", "no:cacheprovider", "-q", *options)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and set(outcomes) <= {"passed", "warnings"}, (
        f"the test module at {block.where} did not pass:\n" + "\n".join(result.outlines[-30:])
    )


def test_the_operations_reference_is_generated_from_the_table() -> None:
    committed = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert committed == operations_markdown(), (
        "docs/operations.md is out of date: run "
        "`python -m ttnc_pipeline._docs > docs/operations.md`"
    )


def test_every_operation_has_example_values_for_its_required_parameters() -> None:
    assert set(EXAMPLE_PARAMS) == set(OPERATIONS)
    for key, operation in OPERATIONS.items():
        missing = set(operation.required_params) - set(EXAMPLE_PARAMS[key])
        assert not missing, f"EXAMPLE_PARAMS[{key!r}] lacks {sorted(missing)}"
        unknown = set(EXAMPLE_PARAMS[key]) - {p.name for p in operation.params}
        assert not unknown, f"EXAMPLE_PARAMS[{key!r}] has parameters TTNC never named: {unknown}"


def test_the_readme_names_exactly_the_two_commands() -> None:
    shell = [
        block.code.strip()
        for block in blocks(ROOT / "README.md")
        if block.language in ("console", "bash", "sh", "shell")
    ]
    commands = [line.removeprefix("$ ").strip() for code in shell for line in code.splitlines()]
    assert commands == ["make demo", "make test"]


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def _anchors(path: Path) -> set[str]:
    """The anchors a code host makes of a file's headings."""
    anchors = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title)
            anchors.add(title.replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("path", DOCS, ids=_name)
def test_relative_links_point_at_files_and_headings_that_exist(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    for match in _LINK.finditer(text):
        target = match["target"]
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{_name(path)} links to {target}, which does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{_name(path)} links to a missing heading {target}"


def _public_modules() -> Iterator[Any]:
    yield ttnc_pipeline
    for info in pkgutil.walk_packages(ttnc_pipeline.__path__, "ttnc_pipeline."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        yield importlib.import_module(info.name)


def _top_level(module: Any) -> tuple[set[str], set[str], set[str]]:
    """Names a module defines itself: by ``def``/``class``, by assignment, and assigned
    names followed by a string (an attribute docstring)."""
    body = ast.parse(inspect.getsource(module)).body
    defined: set[str] = set()
    assigned: set[str] = set()
    documented: set[str] = set()
    for position, node in enumerate(body):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names = {target.id for target in targets if isinstance(target, ast.Name)}
        assigned |= names
        following = body[position + 1] if position + 1 < len(body) else None
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            documented |= names
    return defined, assigned, documented


def _undocumented(module: Any) -> Iterator[str]:
    defined, assigned, documented = _top_level(module)
    for name in getattr(module, "__all__", ()):
        if name in assigned and name not in defined:
            if name not in documented and name != "__version__":
                yield f"{module.__name__}.{name}"
            continue
        if name not in defined:
            continue  # imported: checked in the module that defines it
        value = getattr(module, name)
        if not (value.__doc__ or "").strip():
            yield f"{module.__name__}.{name}"
        if not inspect.isclass(value):
            continue
        for member, attribute in vars(value).items():
            function = attribute.fget if isinstance(attribute, property) else attribute
            function = getattr(function, "__func__", function)
            if member.startswith("_") or not inspect.isfunction(function):
                continue
            inherited = any(
                (getattr(base, member).__doc__ or "").strip()
                for base in value.__mro__[1:]
                if hasattr(base, member)
            )
            if not (function.__doc__ or "").strip() and not inherited:
                yield f"{module.__name__}.{name}.{member}"


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for module in _public_modules() for name in _undocumented(module)]
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(missing)
