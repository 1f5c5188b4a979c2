"""The everyday PDF's assembly: each piece started as soon as what it needs is known, the
running heads and folios laid over each piece, and the pieces joined while the workers go on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from anthology.core.cache import Cache, digest
from anthology.outputs.book import merge
from anthology.outputs.book.merge import Joiner, Layouts, Piece
from anthology.outputs.book.pieces import PrintPieces


@dataclass
class FrontMatter:
    """Where the front matter is: laid out ahead for the first pages the likely lengths give,
    then for the first pages known, then checked once every piece is laid out to the end."""

    ahead: Piece | None = None  # for the likely first pages (optional until chosen)
    chosen: Piece | None = None  # for the first pages known
    checked: bool = False  # against every body piece's anchors: final


class Assembly:
    """What the everyday PDF waits for, each started as soon as its inputs are known (`step`
    is called by merge.Layouts.run after every answer of a worker):

    - the body pieces' first pages, from the lengths of the pieces before them;
    - each piece's running heads and folios (its `margins`), once its length and first page
      are known (a worker says a piece's length before it writes its PDF), then laid over the
      piece here (`composed`) while the workers go on;
    - the front matter, once the first pages are known: the contents show only where each
      chapter and part title begins, and those pages are known before the chapters are
      laid out to the end. It is checked against every piece's anchors at the end, and laid
      out again if they show otherwise (never with anthology's template); with lists of
      figures or tables it waits for them.

    While a piece is laid out, the others may wait for its length: the running heads and
    folios of the pieces after it need their first pages. A changed chapter's length is
    foreseen from its last layout (PrintPieces.likely_pages), and on the workers that would
    wait, the margins that length would need are laid out ahead, as optional pieces
    (`margins_ahead`). Each is made for its own length and first page, so it is right for them
    whether or not the guess was: when the real ones are known, margins for them are taken
    from those laid out ahead if there are some, and the wrong ones are dropped.
    """

    def __init__(self, pieces: PrintPieces, layouts: Layouts, cache: Cache) -> None:
        self.pieces, self.layouts, self.cache = pieces, layouts, cache
        self.body = [layouts.add(piece) for piece in pieces.body()]
        self.margins: dict[int, Piece] = {}  # body piece -> its running heads and folios
        self.margins_ahead: dict[int, Piece] = {}  # laid out ahead, for likely lengths
        self.composed: dict[int, Path] = {}  # body piece -> its PDF with its margins laid over
        self.front = FrontMatter()
        self.joiner: Joiner | None = None  # joins the body pieces while the workers go on

    def step(self) -> bool:
        """Start what became possible, or lay one piece's margins over it, or join one piece;
        return whether anything was done."""
        starts = merge.starts_of(self.body)
        for number, piece in enumerate(self.body):
            if piece.done and piece.pages is not None:
                self.pieces.remember_length(number, piece.pages)
        done = self._place(starts)
        if None not in starts and not self.front.checked:
            done = self._lay_out_front(starts) or done
        if self.pieces.margins_apart and self.pieces.likely_pages:
            done = self._lay_out_ahead() or done
        return done or self._compose_one() or self._join_one()

    def _place(self, starts: list[int | None]) -> bool:
        """Give each body piece whose length and first page are known what follows from them:
        its margins (drawn apart), or its first page and the named strings it enters with
        (drawn in place)."""
        done = False
        entries = merge.entries_of(self.body)
        for number, (piece, start) in enumerate(zip(self.body, starts, strict=True)):
            if start is None or piece.pages is None:
                continue
            if not self.pieces.margins_apart:
                if piece.start is None and entries[number] is not None:
                    piece.start, piece.entry, done = start, entries[number], True
            elif number not in self.margins:
                done = True
                self.margins[number] = margins = self._margins_for(number, piece.pages, start)
                composed = self.cache.path_of("part", _composed_key(piece, margins), ".pdf")
                if composed is not None:
                    self.composed[number] = composed
                    self.layouts.forget(margins)
        return done

    def _margins_for(self, number: int, pages: int, start: int) -> Piece:
        """The running heads and folios of body piece `number`, now that its length and first
        page are known: those laid out ahead for them if there are some, else new ones."""
        margins = self.pieces.margins(number, pages, start)
        ahead = self.margins_ahead.pop(number, None)
        if ahead is not None and merge.part_key(ahead) == merge.part_key(margins):
            ahead.optional = False
            return ahead
        if ahead is not None:
            self.layouts.forget(ahead)
        return self.layouts.add(margins)

    def _lay_out_ahead(self) -> bool:
        """Lay out ahead the running heads and folios the body pieces will most likely need,
        from the likely lengths of those being laid out, and the front matter for the first
        pages these give (see the class's docstring)."""
        added = False
        likely = self.pieces.likely_pages
        starts = merge.starts_of(self.body, likely)
        for number, (piece, start) in enumerate(zip(self.body, starts, strict=True)):
            pages = piece.pages if piece.pages is not None else likely.get(number)
            if start is None or pages is None or number in self.margins \
                    or number in self.margins_ahead:
                continue
            margins = self.pieces.margins(number, pages, start)
            margins.optional = added = True
            self.margins_ahead[number] = self.layouts.add(margins)
        if (self.front.chosen is None and self.front.ahead is None and not self.pieces.lists
                and not self.pieces.own_template and None not in starts):
            # The contents, as those first pages would make them (it shows where each chapter
            # begins, not how long it is).
            self.front.ahead = front = self._front_for(starts)
            front.optional = added = True
            self.layouts.add(front)
        return added

    def _lay_out_front(self, starts: list[int | None]) -> bool:
        """Choose the front matter for the first pages known (laid out now, or ahead), and
        once every piece is laid out to the end, check it against their anchors."""
        exact = all(p.layout for p in self.body)
        if not exact and (self.front.chosen is not None or self.pieces.lists
                          or self.pieces.own_template):
            return False
        self.front.checked = exact
        front = self._front_for(starts)
        if self.front.chosen is not None and front.key == self.front.chosen.key:
            return False
        for wrong in (self.front.chosen, self.front.ahead):  # no longer needed, if not this
            if wrong is not None and wrong.key != front.key:
                self.layouts.forget(wrong)
        if self.front.ahead is not None and self.front.ahead.key == front.key:
            front, front.optional = self.front.ahead, False
        else:
            self.layouts.add(front)
        self.front.chosen, self.front.ahead = front, None
        return True

    def _front_for(self, starts: Sequence[int | None]) -> Piece:
        """The front matter for the body pieces starting at `starts`."""
        return self.pieces.front(merge.pages_of(self.body, starts, [
            opening for _, _, opening in self.pieces.places]))

    def _compose_one(self) -> bool:
        """Lay one body piece's margins over it, once both are laid out."""
        for number, margins in self.margins.items():
            piece = self.body[number]
            if number in self.composed or not (piece.done and margins.done):
                continue
            assert piece.path is not None and margins.path is not None
            self.composed[number] = self.cache.put_bytes(
                "part", _composed_key(piece, margins),
                merge.compose(piece.path, margins.path, piece.name), ".pdf")
            return True
        return False

    def _join_one(self) -> bool:
        """Copy the next body piece into the joined PDF if it is final, while a worker is on
        something else (with nothing left to lay out, joining is the next step anyway, if the
        PDF is not already the one these pieces make)."""
        number = self.joiner.count if self.joiner is not None else 0
        if number >= len(self.body) or not self.layouts.busy:
            return False
        piece = self.body[number]
        if self.pieces.margins_apart:
            path = self.composed.get(number)
        else:
            path = piece.path if piece.done and piece.start is not None else None
        if path is None:
            return False
        self.joiner = self.joiner or Joiner()
        self.joiner.add(piece, last=number == len(self.body) - 1, path=path)
        return True

    def final_body(self) -> list[Piece]:
        """The body pieces, laid out, with their first pages and final PDFs."""
        for number, (piece, start) in enumerate(zip(self.body, merge.starts_of(self.body),
                                                    strict=True)):
            piece.start = start
            if self.pieces.margins_apart:
                piece.path = self.composed[number]
        return self.body

    def close(self) -> None:
        """Let go of the joined pieces' files."""
        if self.joiner is not None:
            self.joiner.close()


def _composed_key(piece: Piece, margins: Piece) -> str:
    return digest("composed", merge.part_key(piece), merge.part_key(margins))
