"""anthology package: the delivery folder, its zip, and the refusals."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from anthology.cli import cli
from anthology.core.config import load_book
from anthology.outputs.delivery import GitState, checksums, git_state, package_version, write_zip
from anthology.outputs.offprints.write import chapter_page_spans
from tests.bookdata import chapters_yaml, intro, peer
from tests.conftest import BOOK_YAML, write_book
from tests.render.conftest import EPOCH, copy_sample

GIT = ["git", "-c", "user.name=Ada Editor", "-c", "user.email=ada@example.ac.uk",
       "-c", "commit.gpgsign=false"]


def commit_all(root: Path, message: str = "The book") -> None:
    """A git repository at `root` with everything committed (build/ ignored)."""
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-q", "-m", message], check=True)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The sample book (chapters still in the workflow), committed and packaged once as a
    draft: (book, folder, zip)."""
    root = copy_sample(tmp_path_factory.mktemp("delivery") / "book")
    commit_all(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(cli, ["--book", str(root), "package", "-q", "--draft"])
    assert result.exit_code == 0, result.stderr
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=7", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    name = f"doing-things-differently-{commit}-draft"
    folder = root / "build" / "delivery" / name
    zip_path = root / "build" / "delivery" / f"{name}.zip"
    assert result.stdout.startswith(f"Wrote build/delivery/{name}/ (13 files, 49 pages in "
                                    "the PDF)\n")
    assert f"Wrote build/delivery/{name}.zip (" in result.stdout
    return root, folder, zip_path


@pytest.mark.slow
def test_checksums_verify_with_sha256sum(delivered: tuple[Path, Path, Path]) -> None:
    _, folder, _ = delivered
    done = subprocess.run(["sha256sum", "-c", "checksums.sha256"], cwd=folder,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = sorted(line.split("  ", 1)[1] for line in
                    (folder / "checksums.sha256").read_text().splitlines())
    present = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and p.name != "checksums.sha256")
    assert listed == present
    assert "doing-things-differently-draft.pdf" in present
    assert "doing-things-differently-draft.epub" in present
    assert "offprints/03-safe-spaces-draft.pdf" in present
    assert "cover.png" in present


@pytest.mark.slow
def test_metadata_matches_the_book(delivered: tuple[Path, Path, Path]) -> None:
    root, folder, _ = delivered
    book = load_book(root)
    c = book.config
    data = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert (data["title"], data["subtitle"], data["language"], data["licence"], data["doi"]) == (
        c.title, c.subtitle, c.language, c.licence, c.doi)
    assert data["isbn"] == {"print": c.isbn_print, "epub": c.isbn_epub}
    assert (data["publisher"], data["place"], data["year"]) == (c.publisher, c.place, c.year)
    assert [(e["name"], e["affiliation"], e["orcid"]) for e in data["editors"]] == [
        (p.name, p.affiliation, p.orcid) for p in book.editors]
    pdf = folder / "doing-things-differently-draft.pdf"
    assert data["draft"] is True
    assert str(PdfReader(pdf).metadata["/Title"]).startswith("DRAFT: Doing Things Differently")
    with zipfile.ZipFile(folder / "doing-things-differently-draft.epub") as epub:
        assert b">DRAFT: Doing Things Differently" in epub.read("EPUB/content.opf")
    assert data["page_count"] == len(PdfReader(pdf).pages)
    spans = chapter_page_spans(pdf)
    with_files = [ch for ch in book.active_chapters if ch.file and (root / ch.file).exists()]
    assert [ch["id"] for ch in data["chapters"]] == [ch.id for ch in with_files]
    for number, (entry, chapter) in enumerate(zip(data["chapters"], with_files, strict=True),
                                              start=1):
        from anthology.chapters.manuscript import read_manuscript

        assert chapter.file is not None
        manuscript = read_manuscript(root, chapter.file, chapter.id)
        assert entry["number"] == number
        assert entry["title"] == manuscript.text("title")
        assert entry["abstract"] == " ".join((manuscript.text("abstract") or "").split())
        assert entry["keywords"] == list(manuscript.text_list("keywords"))
        assert [(a["name"], a["affiliation"], a["orcid"]) for a in entry["authors"]] == [
            (p.name, p.affiliation, p.orcid) for p in book.authors_of(chapter)]
        span = spans[f"chapter-{number}"]
        assert (entry["first_page"], entry["last_page"]) == (span.first_page, span.last_page)
        assert entry["doi"] == chapter.doi
        assert entry["offprint"] == f"offprints/{number:02d}-{chapter.id}-draft.pdf"
        assert (folder / entry["offprint"]).is_file()
        assert entry["word_count"] > 1000
    assert data["word_count"] == sum(ch["word_count"] for ch in data["chapters"])


@pytest.mark.slow
def test_validation_and_provenance(delivered: tuple[Path, Path, Path]) -> None:
    root, folder, _ = delivered
    validation = (folder / "validation.txt").read_text(encoding="utf-8")
    assert "  EPUBCheck 5.3.0: passed\n" in validation
    assert "  Messages: 0 fatals / 0 errors / 0 warnings / 0 infos\n" in validation
    assert "  Page size: 156 x 234 mm\n" in validation
    pages = len(PdfReader(folder / "doing-things-differently-draft.pdf").pages)
    assert f"  Pages: {pages}\n" in validation
    assert ", all embedded\n" in validation
    assert "Charis-SIL" in validation
    assert "NOT EMBEDDED" not in validation
    provenance = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert provenance["git"]["commit"] == head
    assert provenance["git"]["clean"] is True
    assert provenance["built"] == "2027-01-01T00:00:00Z"
    assert set(provenance["versions"]) >= {"anthology", "pandoc", "weasyprint"}


@pytest.mark.slow
def test_zip_is_reproducible(delivered: tuple[Path, Path, Path], tmp_path: Path,
                             quick_epubcheck: None) -> None:
    root, folder, zip_path = delivered
    first = zip_path.read_bytes()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(cli, ["--book", str(root), "package", "-q", "--draft"])
    assert result.exit_code == 0, result.stderr
    assert zip_path.read_bytes() == first
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert all(n.startswith(f"{folder.name}/") for n in names)
        assert {i.date_time for i in archive.infolist()} == {(2027, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in archive.infolist()} == {0o100644}


def test_zip_order_and_times_do_not_depend_on_the_folder(tmp_path: Path) -> None:
    import datetime as dt

    stamp = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    outputs = []
    for name, order in (("a", ["b.txt", "a/c.txt"]), ("b", ["a/c.txt", "b.txt"])):
        folder = tmp_path / name / "pkg"
        for file in order:
            (folder / file).parent.mkdir(parents=True, exist_ok=True)
            (folder / file).write_text(file, encoding="utf-8")
            (folder / file).chmod(0o600)
        write_zip(folder, tmp_path / name / "pkg.zip", stamp)
        outputs.append((tmp_path / name / "pkg.zip").read_bytes())
    assert outputs[0] == outputs[1]


def test_checksums_format(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    assert checksums(tmp_path, ["b.txt", "a.txt"]) == (
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.txt\n"
        "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.txt\n")


@pytest.mark.parametrize(("state", "expected"), [
    (GitState(True, "a" * 40, (), "v1.0"), "v1.0"),
    (GitState(True, "a" * 40, ("book.yaml",), "v1.0-3-gabcdef1"), "v1.0-3-gabcdef1-dirty"),
    (GitState(False), "20270101"),
])
def test_package_version(state: GitState, expected: str) -> None:
    import datetime as dt

    assert package_version(state, dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == expected


def test_git_state_sees_changes_to_the_book_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    book = write_book(repo / "books" / "mine")
    (repo / "elsewhere.txt").write_text("x", encoding="utf-8")
    commit_all(repo)
    assert git_state(book).clean
    (repo / "elsewhere.txt").write_text("changed", encoding="utf-8")
    (book / "build").mkdir()
    (book / "build" / "x.pdf").write_text("x", encoding="utf-8")
    assert git_state(book).clean
    (book / "chapters" / "01-intro.md").write_text("changed", encoding="utf-8")
    (book / "notes.txt").write_text("new", encoding="utf-8")
    assert git_state(book).changes == ("chapters/01-intro.md", "notes.txt")
    outside = tmp_path / "outside"
    outside.mkdir()
    assert git_state(outside).repository is False


@pytest.mark.slow
def test_refuses_with_every_reason(small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    commit_all(small_book)
    (small_book / "book.yaml").write_text(
        (small_book / "book.yaml").read_text() + "description: Changed.\n", encoding="utf-8")
    chapter = small_book / "chapters" / "01-intro.md"
    chapter.write_text(chapter.read_text().replace("[@cahn2000]", "[@nobody2001]"),
                       encoding="utf-8")
    # The forced build's EPUB is valid (dangling links are unwrapped), so EPUBCheck's verdict
    # is stood in for here, to show that every reason is listed at once.
    import anthology.outputs.delivery as delivery

    monkeypatch.setattr(delivery, "run_epubcheck", lambda epub: delivery.EpubCheck(
        True, False, "5.3.0", ("ERROR(RSC-012): a broken link",),
        "Messages: 0 fatals / 1 error / 0 warnings / 0 infos"))
    result = CliRunner().invoke(cli, ["--book", str(small_book), "package", "-q"])
    assert result.exit_code == 1
    assert result.stdout == ""
    # Every reason at once: the workflow, the imprint, the tree, the check, and EPUBCheck.
    assert "\nError: The package was not made:\n" \
        "  - 2 chapters are not final: intro (draft), peer (invited). Finish them (`anthology " \
        "mark CH final`) or withdraw them, or package a draft with --draft.\n" \
        "  - book.yaml has no ISBN (isbn.print or isbn.epub), which the publisher's delivery " \
        "needs. Add it, or package a draft with --draft.\n" \
        "  - the book has uncommitted changes (2 files: book.yaml, chapters/01-intro.md). " \
        "Commit them, or package anyway with --allow-dirty.\n" \
        "  - `anthology check` found 1 error (listed above). Fix them, or package anyway with " \
        "--force.\n" \
        "  - EPUBCheck found problems in a-small-book.epub (Messages: 0 fatals / 1 error / " \
        "0 warnings / 0 infos). Fix them, or package anyway with --force.\n" in result.stderr
    assert "nobody2001" in result.stderr
    assert not (small_book / "build" / "delivery").exists() or not any(
        (small_book / "build" / "delivery").iterdir())


def test_refuses_outside_git(small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(small_book.parent))
    monkeypatch.setattr("anthology.packaging.delivery_check", lambda book, progress: ([], {}))
    monkeypatch.setattr("anthology.build.build_book", _no_build)
    monkeypatch.setattr("anthology.outputs.delivery.run_epubcheck", _passing_epubcheck)
    result = CliRunner().invoke(cli, ["--book", str(small_book), "package", "-q", "--draft"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: The package was not made:\n"
        "  - the book folder is not in a git repository, so the delivery cannot say which "
        "version it is. Commit the book with git, or package anyway with --allow-dirty.\n")


def _no_build(*args: object, **kwargs: object) -> None:
    return None


def _passing_epubcheck(epub: Path) -> object:
    from anthology.outputs.delivery import EpubCheck

    return EpubCheck(True, True, "5.3.0", (), "Messages: 0 fatals / 0 errors")


FINAL_CHAPTERS = chapters_yaml(
    intro("final", "{date: 2026-05-01, state: final, by: Ada Editor}"),
    peer("withdrawn", "{date: 2026-01-10, state: withdrawn, by: Ada Editor}"),
)


@pytest.mark.slow
def test_allow_dirty_and_force_package_anyway(small_book: Path, monkeypatch: pytest.MonkeyPatch,
                                              quick_epubcheck: None) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    # A book ready for the publisher: every chapter final or withdrawn, an ISBN.
    (small_book / "chapters.yaml").write_text(FINAL_CHAPTERS, encoding="utf-8")
    (small_book / "book.yaml").write_text(BOOK_YAML + "isbn:\n  print: 978-1-916428-31-7\n",
                                          encoding="utf-8")
    commit_all(small_book)
    (small_book / "notes.txt").write_text("uncommitted", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--book", str(small_book), "package", "-q",
                                      "--allow-dirty"])
    assert result.exit_code == 0, result.stderr
    folders = [p for p in (small_book / "build" / "delivery").iterdir() if p.is_dir()]
    assert len(folders) == 1 and folders[0].name.endswith("-dirty")
    provenance = json.loads((folders[0] / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["git"]["clean"] is False
    assert provenance["git"]["changes"] == [".gitignore", "notes.txt"] or \
        provenance["git"]["changes"] == ["notes.txt"]




def test_a_final_book_with_its_imprint_is_ready(make_book: Callable[..., Path]) -> None:
    from anthology.outputs.delivery import delivery_reasons

    book = make_book({"chapters.yaml": FINAL_CHAPTERS,
                      "book.yaml": BOOK_YAML + "isbn:\n  print: 978-1-916428-31-7\n"})
    assert delivery_reasons(load_book(book)) == []


def test_refuses_a_book_that_is_not_ready(make_book: Callable[..., Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_book({"book.yaml": BOOK_YAML.replace("publisher: Test University Press\n", "")
                      .replace("year: 2027\n", "")})
    commit_all(book)
    monkeypatch.setattr("anthology.packaging.delivery_check", lambda book, progress: ([], {}))
    monkeypatch.setattr("anthology.build.build_book", _no_build)
    monkeypatch.setattr("anthology.outputs.delivery.run_epubcheck", _passing_epubcheck)
    result = CliRunner().invoke(cli, ["--book", str(book), "package", "-q"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: The package was not made:\n"
        "  - 2 chapters are not final: intro (draft), peer (invited). Finish them (`anthology "
        "mark CH final`) or withdraw them, or package a draft with --draft.\n"
        "  - book.yaml has no ISBN (isbn.print or isbn.epub), no publisher and no year, which "
        "the publisher's delivery needs. Add them, or package a draft with --draft.\n")
    assert not (book / "build" / "delivery").exists()


def test_a_draft_pdf_says_so_in_its_metadata(tmp_path: Path) -> None:
    import pikepdf

    from anthology.outputs.delivery import mark_draft

    pdf = tmp_path / "book-draft.pdf"
    with pikepdf.new() as document:
        document.add_blank_page()
        document.docinfo["/Title"] = "A Small Book"
        document.save(pdf)
    mark_draft(pdf)
    with pikepdf.open(pdf) as document:
        assert str(document.docinfo["/Title"]) == "DRAFT: A Small Book"
        assert str(document.docinfo["/Subject"]) == "DRAFT, not for publication."
        meta = document.open_metadata()
        assert meta["dc:title"] == "DRAFT: A Small Book"


def test_a_draft_epub_says_so_in_its_title(tmp_path: Path) -> None:
    from anthology.outputs.delivery import mark_draft_epub

    epub = tmp_path / "book-draft.epub"
    opf = ('<metadata><dc:title id="epub-title-1">A Small Book</dc:title>'
           '<dc:title id="sub">For Tests</dc:title></metadata>')
    with zipfile.ZipFile(epub, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype", (2027, 1, 1, 0, 0, 0)),
                         "application/epub+zip")
        info = zipfile.ZipInfo("EPUB/content.opf", (2027, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, opf)
    mark_draft_epub(epub)
    with zipfile.ZipFile(epub) as archive:
        infos = archive.infolist()
        assert [(i.filename, i.compress_type, i.date_time) for i in infos] == [
            ("mimetype", zipfile.ZIP_STORED, (2027, 1, 1, 0, 0, 0)),
            ("EPUB/content.opf", zipfile.ZIP_DEFLATED, (2027, 1, 1, 0, 0, 0))]
        assert archive.read("EPUB/content.opf").decode() == opf.replace(
            '"epub-title-1">A Small', '"epub-title-1">DRAFT: A Small')


@pytest.mark.slow
def test_a_forced_package_has_no_offprint_of_a_chapter_left_out(
        make_book: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
        quick_epubcheck: None) -> None:
    """A chapter too large to check is left out of a forced build: the package is made, with
    the offprints of the chapters in the book."""
    from anthology.chapters.manuscript import MAX_CHAPTER_BYTES

    book = make_book({"chapters/02-peer.md": "---\ntitle: Peer Support\nauthors: [ben-writer]"
                                             "\n---\n\nPeer support grew from mutual aid.\n"})
    intro = book / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + "\nMore words. " * (
        MAX_CHAPTER_BYTES // 12 + 1), encoding="utf-8")
    commit_all(book)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    result = CliRunner().invoke(cli, ["--book", str(book), "package", "--force", "--draft"])
    assert result.exit_code == 0, result.stderr
    assert "[manuscript.too-large]" in result.stderr
    (folder,) = [p for p in (book / "build" / "delivery").iterdir() if p.is_dir()]
    assert sorted(p.name for p in (folder / "offprints").iterdir()) == ["02-peer-draft.pdf"]
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in metadata["chapters"]] == ["peer"]
