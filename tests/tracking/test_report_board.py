"""The status board's time line: deadline labels close together are stacked, not overlapped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from anthology.core.config import load_book
from anthology.editorial.tracking.report import Milestone, board, stagger
from anthology.editorial.tracking.status import build_status
from tests.conftest import BOOK_YAML


def _m(key: str, x: float, day: int = 1) -> Milestone:
    return Milestone(key, dt.date(2026, 10, day), x, False)


def _overlaps(placed: list[Milestone]) -> list[tuple[str, str]]:
    return [(a.key, b.key) for a in placed for b in placed
            if a.key < b.key and a.level == b.level
            and abs(a.x - b.x) < (a.label_width + b.label_width) / 2]


def test_far_apart_labels_stay_on_one_level() -> None:
    placed = stagger([_m("drafts", 100), _m("reviews", 400), _m("final", 900)])
    assert [m.level for m in placed] == [0, 0, 0]


def test_close_labels_are_stacked_and_a_level_is_reused() -> None:
    placed = stagger([_m("reviews", 500), _m("copyedits", 510, 8), _m("proofs", 520, 12),
                      _m("delivery", 900)])
    assert [(m.key, m.level) for m in placed] == [
        ("reviews", 0), ("copyedits", 1), ("proofs", 2), ("delivery", 0)]
    assert _overlaps(placed) == []


def test_the_board_grows_with_its_levels(make_book: Callable[..., Path]) -> None:
    root = make_book({"book.yaml": BOOK_YAML.replace(
        "schedule:\n", "schedule:\n  reviews: 2026-10-01\n  copyedits: 2026-10-08\n"
                       "  proofs: 2026-10-12\n")})
    book = load_book(root)
    laid_out = board(book, build_status(book, dt.date(2026, 10, 20)))
    assert _overlaps(laid_out["milestones"]) == []
    # drafts 30 Sep, reviews 1 Oct, copyedits 8 Oct, proofs 12 Oct: four levels.
    assert max(m.level for m in laid_out["milestones"]) == 3
    assert laid_out["line_y"] == 52 + 3 * 26
