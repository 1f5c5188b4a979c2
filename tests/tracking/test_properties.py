"""Property: any sequence of accepted commands keeps status == last event and loses no event."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anthology.core.config import load_book
from anthology.core.errors import AnthologyError
from anthology.core.model import Status
from anthology.editorial.tracking import workflow
from anthology.editorial.tracking.plan import mark_chapter
from tests.conftest import write_book

STATES = list(Status)


@given(st.lists(st.tuples(st.sampled_from(STATES), st.booleans()), max_size=25))
def test_pure_marks_keep_status_and_history(moves: list[tuple[Status, bool]]) -> None:
    from anthology.core.model import Chapter

    chapter = Chapter("ch", "Ch")
    accepted = 0
    for state, force in moves:
        try:
            chapter = workflow.mark(chapter, state, dt.date(2026, 1, 1), force=force)
        except AnthologyError:
            assert not force
            continue
        accepted += 1
        assert chapter.status is chapter.history[-1].state
    assert len(chapter.history) == accepted


@pytest.mark.parametrize("chapter", ["intro", "peer"])
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from(STATES), st.booleans()), max_size=8))
def test_stored_marks_keep_status_and_history(tmp_path_factory: pytest.TempPathFactory,
                                              chapter: str,
                                              moves: list[tuple[Status, bool]]) -> None:
    root = write_book(tmp_path_factory.mktemp("book"), {"chapters/02-peer.md": "# Peer\n"})
    before = load_book(root).chapter(chapter).history
    recorded = list(before)
    for number, (state, force) in enumerate(moves):
        day = dt.date(2026, 6, 1) + dt.timedelta(days=number)
        try:
            mark_chapter(root, chapter, state.value, date=day, by="Ada", force=force)
        except AnthologyError:
            continue
        recorded.append(state)
        book = load_book(root)
        assert book.chapter(chapter).status is book.chapter(chapter).history[-1].state
    history = load_book(root).chapter(chapter).history
    assert history[:len(before)] == before
    assert [e.state for e in history[len(before):]] == recorded[len(before):]


def test_no_temporary_files_left(small_book: Path) -> None:
    mark_chapter(small_book, "peer", "agreed", date=dt.date(2026, 2, 1), by="Ada")
    assert not [p for p in small_book.iterdir() if p.name.startswith(".anthology-tmp-")]
