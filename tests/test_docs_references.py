"""Every document that code, tests and templates cite is in the repository.

Docstrings and comments cite the design and the provincial API contract as ``docs/<file>`` (see
``docs/README.md``). A checkout of the repository alone must resolve every such reference: a
user's machine has no ``../shared`` beside the project, so nothing may point there.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
THIS = Path(__file__).resolve()
SKIPPED_DIRS = {".venv", ".git", "node_modules", "__pycache__", "media", "staticfiles", "docs"}

# A word that names a Markdown file: everything up to ".md" that is not space, quote or bracket.
MD_REFERENCE = re.compile(r"[^\s`'\"()\[\]<>{},;*]*\.md\b")
# Any path into the shared design folder: ../shared/..., /work/shared/..., shared/reference/...
SHARED_REFERENCE = re.compile(r"(?<![\w-])(?:\.\./|/)?(?:[\w.-]+/)*shared/[\w./-]*")


def _scanned_files() -> list[Path]:
    """Return the Python files and templates of the project, this test excepted."""
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if not path.is_file() or set(relative.parts) & SKIPPED_DIRS:
            continue
        if relative.parts[0].endswith(".egg-info") or path.resolve() == THIS:
            continue
        in_templates = relative.parts[0] == "templates" and path.suffix in {".html", ".txt"}
        if path.suffix == ".py" or in_templates:
            found.append(path)
    return sorted(found)


def _problems(path: Path, text: str) -> list[str]:
    """Return what ``text`` (the contents of ``path``) cites that the repository cannot resolve.

    A Markdown reference resolves when the file exists relative to the repository root or to the
    citing file's own folder (``README.md in this package``). Any path into ``shared/`` fails.
    """
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in SHARED_REFERENCE.finditer(line):
            problems.append(
                f"{where}:{number}: cites {match.group()!r} outside the repository; "
                "copy the document into docs/ and cite docs/<file>"
            )
        for match in MD_REFERENCE.finditer(line):
            name = match.group()
            if "://" in name or "shared/" in name:
                continue  # a web address, or already reported above
            name = name.removeprefix("./")
            if not ((ROOT / name).is_file() or (path.parent / name).is_file()):
                problems.append(f"{where}:{number}: cites {name!r}, which is not in the repository")
    return problems


def test_the_scan_reads_the_project():
    files = {p.relative_to(ROOT).as_posix() for p in _scanned_files()}
    # The files that cite the documents, and a template, are among those read.
    assert {"catalog/services.py", "guides/client.py", "templates/base.html"} <= files
    assert not any(f.startswith((".venv/", "docs/")) for f in files)


def test_the_scan_flags_references_that_do_not_resolve():
    here = ROOT / "catalog" / "services.py"
    text = "\n".join(
        [
            "See DESIGN.md for the rules.",
            "(reference/provincial-api.md, Quirks)",
            "in `/work/shared/reference/provincial-api.md` over HTTP",
            "from ../shared/DESIGN.md",
            "shared/reference/catalog-format.md",
        ]
    )
    problems = _problems(here, text)
    assert len(problems) == 5, problems
    assert [p.split(":")[1] for p in problems].count("3") == 1, "one report per reference"
    fine = "\n".join(
        [
            'Derivation rules (``docs/DESIGN.md``, "The model, in words").',
            "(docs/provincial-api.md, Quirks) and fixtures/catalog-format.md",
            "https://example.org/README.md, @shared_task, xl/sharedStrings.xml",
        ]
    )
    assert _problems(here, fine) == []
    assert _problems(ROOT / "provincial_simulator" / "server.py", "See README.md here.") == []


def test_every_cited_document_is_in_the_repository():
    problems = []
    for path in _scanned_files():
        problems += _problems(path, path.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_docs_readme_describes_every_document():
    readme = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    documents = sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name != "README.md")
    assert {"DESIGN.md", "provincial-api.md"} <= set(documents)
    missing = [name for name in documents if f"`{name}`" not in readme]
    assert not missing, f"docs/README.md does not describe {missing}"
