"""The documentation cannot rot: its code runs, and docs/api.md covers the public API.

Every ```python block of every Markdown page under docs/ runs, in page order, in one
fresh namespace per page, with a temporary working directory.  Blocks written as
interactive sessions (``>>>``) are doctests: their printed output must match (with
``...`` as a wildcard).  A block fenced as ```python no-run is shown but not run.  The
runner injects ``SHARED_DATA`` (a pathlib.Path to ``../shared/data``, the real music
beside the repository) and skips a page that uses it when the folder is absent.

docs/api.md documents every public name of generify: every name in the ``__all__`` of
generify and of its public modules (for ``generify.cli``, its public functions) has a
section headed by its qualified name, in backticks, whose signature line matches the
code; every public method or property a generify class defines is named in its class's
section, with a matching signature.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import pkgutil
import re
import traceback
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
from threadpoolctl import threadpool_limits

import generify

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SHARED_DATA = ROOT.parent / "shared" / "data"
API = DOCS / "api.md"
PAGES = sorted(DOCS.rglob("*.md"))

# A fence: three or more backticks and an info string, up to the same fence.
_FENCE = re.compile(
    r"^(?P<fence>`{3,})(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S
)
_DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # line of the page where the block's code starts (1-based)
    code: str
    run: bool


def python_blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        words = match["info"].split()
        if not words or words[0] != "python":
            continue
        line = text.count("\n", 0, match.start("body")) + 1
        blocks.append(Block(page, line, match["body"], run="no-run" not in words[1:]))
    return blocks


def run_block(block: Block, namespace: dict[str, Any]) -> None:
    name = os.path.relpath(block.page, ROOT)
    if block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, name, str(block.page), block.line - 1
        )
        runner = doctest.DocTestRunner(optionflags=_DOCTEST_FLAGS)
        failures: list[str] = []
        runner.run(test, out=failures.append, clear_globs=False)
        namespace.update(test.globs)  # DocTest ran on a copy; later blocks need its names
        if runner.failures:
            pytest.fail(f"{name}, block at line {block.line}:\n" + "".join(failures), False)
        return
    # Padding the code keeps tracebacks pointing at the page's own line numbers.
    code = compile("\n" * (block.line - 1) + block.code, str(block.page), "exec")
    try:
        exec(code, namespace)
    except Exception:
        failure = traceback.format_exc()
    else:
        return
    pytest.fail(f"{name}, block at line {block.line} failed:\n{failure}", False)


RUNNABLE_PAGES = [p for p in PAGES if any(b.run for b in python_blocks(p))]


@pytest.mark.parametrize(
    "page", RUNNABLE_PAGES, ids=[str(p.relative_to(DOCS)) for p in RUNNABLE_PAGES]
)
def test_page_code_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [b for b in python_blocks(page) if b.run]
    if any("SHARED_DATA" in b.code for b in blocks) and not (SHARED_DATA / "README.md").is_file():
        pytest.skip(f"{page.name} needs the real audio of {SHARED_DATA}, which is absent")
    monkeypatch.chdir(tmp_path)
    # Figures are drawn without a display, whatever the developer's machine has.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, Any] = {"__name__": "__docs__", "SHARED_DATA": SHARED_DATA}
    # Small fits are 10x slower with multi-threaded BLAS on a busy 2-core CI machine.
    with threadpool_limits(limits=1):
        for block in blocks:
            run_block(block, namespace)


def test_runner_sees_doctests_and_no_run(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n```python\nx = 2\n```\n\n```python no-run\nopen('song.mp3')\n```\n\n"
        "````python\n>>> x + 1\n4\n````\n\n```bash\nls\n```\n",
        encoding="utf-8",
    )
    blocks = python_blocks(page)
    assert [(b.line, b.run) for b in blocks] == [(4, True), (8, False), (12, True)]
    namespace: dict[str, Any] = {}
    run_block(blocks[0], namespace)
    with pytest.raises(pytest.fail.Exception, match="Expected:\n    4\nGot:\n    3"):
        run_block(blocks[2], namespace)
    run_block(Block(page, 1, ">>> y = x * 5\n", run=True), namespace)
    assert namespace["y"] == 10


# --- the API reference ----------------------------------------------------------------

_HEADING = re.compile(r"^#{2,4} `(?P<name>generify(?:\.\w+)*)`[ \t]*$", re.M)


def public_modules() -> list[Any]:
    names = [
        info.name
        for info in pkgutil.walk_packages(generify.__path__, "generify.")
        if not any(part.startswith("_") for part in info.name.split(".")[1:])
    ]
    return [generify, *(importlib.import_module(name) for name in sorted(names))]


def public_names(module: Any) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    ]


def public_objects() -> dict[int, tuple[str, Any]]:
    """Every public object, by identity, with the first qualified name it was found under."""
    found: dict[int, tuple[str, Any]] = {}
    for module in public_modules():
        for name in public_names(module):
            value = getattr(module, name)
            found.setdefault(id(value), (f"{module.__name__}.{name}", value))
    return found


def resolve(qualified: str) -> Any:
    parts = qualified.split(".")
    for split in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            value = getattr(value, attribute)
        return value
    raise ImportError(qualified)


def api_sections() -> dict[str, str]:
    """Qualified name -> the text of its section (up to the next heading of any name)."""
    text = API.read_text(encoding="utf-8")
    headings = list(_HEADING.finditer(text))
    sections = {}
    for heading, following in zip(headings, [*headings[1:], None]):
        end = following.start() if following else len(text)
        assert heading["name"] not in sections, f"{heading['name']} has two sections"
        sections[heading["name"]] = text[heading.end() : end]
    return sections


def _default(value: Any) -> str:
    if inspect.isclass(value) or inspect.isfunction(value):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def plain_signature(function: Any, *, bound: bool = False) -> str:
    """The signature as api.md writes it: no annotations, classes by their qualified name."""
    parameters = list(inspect.signature(function).parameters.values())[int(bound) :]
    out, starred = [], False
    for p in parameters:
        text = p.name
        if p.kind is p.VAR_POSITIONAL:
            text, starred = "*" + text, True
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + text
        elif p.kind is p.KEYWORD_ONLY and not starred:
            out.append("*")
            starred = True
        if p.default is not p.empty:
            text += "=" + _default(p.default)
        out.append(text)
    return f"({', '.join(out)})"


def has_signature(value: Any) -> bool:
    if inspect.isfunction(value):
        return True
    return inspect.isclass(value) and not issubclass(value, BaseException)


def own_members(cls: type, public: dict[int, tuple[str, Any]]) -> dict[str, Any]:
    """Public methods and properties that generify (not scikit-learn) gives ``cls``.

    Members inherited from another public class are documented in that class's section.
    """
    dataclass_fields = {f.name for f in fields(cls)} if is_dataclass(cls) else set()
    members = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("generify") or (
            klass is not cls and id(klass) in public
        ):
            continue
        for name, raw in vars(klass).items():
            if name.startswith("_") or name in dataclass_fields:
                continue
            if isinstance(raw, (property, classmethod, staticmethod)) or inspect.isfunction(raw):
                members[name] = raw
    return members


def documented_objects() -> dict[str, Any]:
    """Sections whose name resolves (the others fail test_every_section_names_...)."""
    found = {}
    for name in api_sections():
        try:
            found[name] = resolve(name)
        except (ImportError, AttributeError):
            continue
    return found


def test_every_public_name_is_documented() -> None:
    documented = {id(value) for value in documented_objects().values()}
    missing = sorted(name for key, (name, _) in public_objects().items() if key not in documented)
    assert not missing, f"public names without a section in docs/api.md: {missing}"


def test_every_section_names_a_public_object() -> None:
    public = public_objects()
    for name in api_sections():
        try:
            value = resolve(name)
        except (ImportError, AttributeError):
            pytest.fail(f"docs/api.md documents {name}, which does not exist")
        assert id(value) in public, f"docs/api.md documents {name}, which is not public"


def test_signatures_match_the_code() -> None:
    public = public_objects()
    wrong = []
    sections = api_sections()
    for name, value in documented_objects().items():
        section = sections[name]
        short = name.rsplit(".", 1)[-1]
        if has_signature(value):
            expected = f"`{short}{plain_signature(value)}`"
            if expected not in section:
                wrong.append(f"{name}: expected the line {expected}")
        if not inspect.isclass(value):
            continue
        for member, raw in own_members(value, public).items():
            if isinstance(raw, property):
                if not re.search(rf"`{member}`", section):
                    wrong.append(f"{name}.{member}: property not named as `{member}`")
                continue
            bound = inspect.isfunction(raw)  # getattr binds class methods already
            expected = f"`{member}{plain_signature(getattr(value, member), bound=bound)}`"
            if expected not in section:
                wrong.append(f"{name}.{member}: expected {expected}")
    assert not wrong, "docs/api.md is out of date:\n" + "\n".join(wrong)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, "-" for spaces."""
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    headings = re.findall(r"^#{1,6} (.+?)[ \t]*$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_links_between_pages_resolve() -> None:
    link = re.compile(r"\]\((?P<target>[^)#\s]*?)(?:#(?P<anchor>[^)\s]*))?\)")
    broken = []
    for page in [*PAGES, ROOT / "README.md"]:
        for match in link.finditer(page.read_text(encoding="utf-8")):
            target, anchor = match["target"], match["anchor"]
            if "://" in target or not (target.endswith(".md") or (not target and anchor)):
                continue
            linked = page.parent / target if target else page
            if not linked.is_file():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
            elif anchor and anchor not in anchors(linked):
                broken.append(f"{page.relative_to(ROOT)} -> {target}#{anchor}")
    assert not broken, f"links to missing pages or headings: {broken}"


def test_every_page_is_reachable_from_the_index() -> None:
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = {os.path.normpath(DOCS / m) for m in re.findall(r"\]\(([^)#\s]+\.md)", text)}
    unlinked = [
        str(p.relative_to(DOCS)) for p in PAGES if p.name != "index.md" and str(p) not in linked
    ]
    assert not unlinked, f"pages not linked from docs/index.md: {unlinked}"
