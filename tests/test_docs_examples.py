"""Every Python block of the README and of the user guide runs, so the documents cannot drift.

A README block runs alone (a reader copies one block); the blocks of one docs page run in
order in one namespace, as a reader follows the page.  Blocks fenced as ```python run;
```bash, ```text and ```console blocks are shown, not run.  Run one page with
``pytest tests/test_docs_examples.py -k guide-backends``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)[ \t]*(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
                   re.MULTILINE | re.DOTALL)
SKIPPED_DIRS = {"_build", "gallery", "api", "_templates", "_static"}


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown file, with the line each starts on."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        language = match.group("info").strip().split(" ")[0].strip("{}").lower()
        if language in ("python", "py", "python3"):
            line = text.count("\n", 0, match.start()) + 1
            body = "\n".join(row[len(match.group("indent")):] for row in match.group("body").splitlines())
            blocks.append((line, body))
    return blocks


def guide_pages() -> list[Path]:
    pages = []
    for path in sorted(DOCS.rglob("*.md")):
        if not SKIPPED_DIRS.intersection(path.relative_to(DOCS).parts):
            pages.append(path)
    return pages


def page_id(path: Path) -> str:
    return "-".join(path.relative_to(DOCS).with_suffix("").parts)


def run_blocks(blocks: list[tuple[int, str]], source: Path, workdir: Path) -> None:
    namespace: dict = {"__name__": "__main__"}
    for line, body in blocks:
        code = compile(body, f"{source}:{line}", "exec")
        try:
            exec(code, namespace)
        except Exception as error:  # pragma: no cover - the message is the test's output
            raise AssertionError(f"the block at {source.name}:{line} failed: {error!r}") from error


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Blocks that write files write them in a fresh folder; figures never open a window."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


README_BLOCKS = python_blocks(ROOT / "README.md")


@pytest.mark.parametrize("line,body", README_BLOCKS, ids=[f"README:{line}" for line, _ in README_BLOCKS])
def test_readme_block_runs_alone(line, body, in_tmp):
    run_blocks([(line, body)], ROOT / "README.md", in_tmp)


@pytest.mark.parametrize("page", guide_pages(), ids=page_id)
def test_docs_page_blocks_run_in_order(page, in_tmp):
    blocks = python_blocks(page)
    if not blocks:
        pytest.skip(f"{page.name} has no Python blocks")
    run_blocks(blocks, page, in_tmp)


def test_every_block_is_collected():
    """A fence the pattern missed would be a block that is never run: count fences by hand."""
    for path in [ROOT / "README.md", *guide_pages()]:
        opened = sum(1 for row in path.read_text(encoding="utf-8").splitlines()
                     if re.match(r"^[ \t]*```+[ \t]*\{?(python|py|python3)\}?\b", row))
        assert opened == len(python_blocks(path)), path


def test_readme_is_a_front_page():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def test_documents_speak_of_the_project_only():
    """No words about how the work was organised, in any document or docstring we ship."""
    banned = re.compile(r"\b(session[- ]\d|sessions? \d|an? (earlier|previous) session|agent|helper-\d|the team decided"
                        r"|issue \d+|the \w+ issue)\b", re.IGNORECASE)
    paths = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "CONTRIBUTING.md", *guide_pages(),
             *sorted((ROOT / "isingbridge").rglob("*.py")), *sorted((DOCS / "examples").glob("*.py")),
             *sorted((ROOT / "examples").glob("*.py")), *sorted((ROOT / "benchmarks").glob("*.py"))]
    found = [f"{path.relative_to(ROOT)}: {match.group(0)!r}" for path in paths if path.exists()
             for match in banned.finditer(path.read_text(encoding="utf-8"))]
    assert not found, found
