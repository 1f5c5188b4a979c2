"""A chapter's `reviews:` in chapters.yaml, read and validated like every other key.

Kept apart from config.py (which reads everything else) only for its length; it uses the same
typed readers, so a review's problems read like any other configuration problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anthology.core.config import _Section, did_you_mean
from anthology.core.findings import Finding
from anthology.core.model import BLIND_MODES, RECOMMENDATIONS, Review
from anthology.core.yamlio import YDict, YList

if TYPE_CHECKING:
    from pathlib import Path

REVIEW_KEYS = ("reviewer", "round", "blind", "assigned", "due", "recommendation", "recorded",
               "report", "forced")
EXAMPLE = "- {reviewer: jane-doe, round: 1, blind: double, assigned: 2027-01-10}"


def _choice(r: _Section, key: str, choices: tuple[str, ...]) -> str | None:
    value = r.text(key, example=choices[0])
    if value is not None and value not in choices:
        r.problem(key, f"'{r.where}{key}' is '{value}', which is not one of: "
                  f"{', '.join(choices)}.", did_you_mean(value, choices) or
                  f"Use one of: {', '.join(choices)}.", "config.value")
        return None
    return value


def parse_reviews(s: _Section, findings: list[Finding], people: set[str] | None,
                  root: Path) -> tuple[Review, ...]:
    """The chapter's reviews; reviewers are checked against `people` unless it is None."""
    from anthology.core.config import _inside_file

    value = s.data.get("reviews")
    if value is None:
        return ()
    if not isinstance(value, YList):
        s.problem("reviews", "'reviews' should be a list of reviews.",
                  f"Each review looks like: {EXAMPLE}", "config.type")
        return ()
    reviews: list[Review] = []
    seen: dict[tuple[str, int], int] = {}
    for index, item in enumerate(value):
        line = value.line_of(index)
        if not isinstance(item, YDict):
            s.problem(None, f"review {index + 1} of 'reviews' should be a group of keys.",
                      f"For example: {EXAMPLE}", "config.type", line=line)
            continue
        r = _Section(s.file, item, findings, "reviews.")
        r.check_keys(REVIEW_KEYS, "a review")
        reviewer = r.text("reviewer", required=True, example="jane-doe")
        number = r.integer("round", required=True, example="1", minimum=1, maximum=1000)
        assigned = r.date("assigned", required=True)
        blind = _choice(r, "blind", BLIND_MODES) or "double"
        recommendation = _choice(r, "recommendation", RECOMMENDATIONS)
        recorded = r.date("recorded")
        report = r.text("report", example="reviews/peer-support/round-1-jane-doe.md")
        if reviewer is not None and people is not None and reviewer not in people:
            r.problem("reviewer", f"the reviewer '{reviewer}' is not in contributors.yaml.",
                      did_you_mean(reviewer, people) or
                      "Add them with `anthology contributor add --role reviewer`, or fix the "
                      "id.", "config.unknown-contributor")
        if recommendation is not None and recorded is None and "recorded" not in item:
            r.problem("recommendation", "a review with a recommendation needs the date it "
                      "was recorded.", "Add it, for example: recorded: 2027-02-01",
                      "config.missing-key")
        # Only from reviews/: the letter to the authors quotes the report, so it must not be
        # able to name any other file of the book (contributors.yaml, a chapter's notes...).
        if report is not None and (not report.startswith("reviews/")
                                   or not _inside_file(root, report)):
            r.problem("report", f"the report {report} is not a file in the book's reviews/ "
                      "folder.",
                      "Record it again with `anthology review record CHAPTER REVIEWER "
                      "--report FILE`, which copies it under reviews/.", "config.file")
            report = None
        if reviewer is None or number is None or assigned is None:
            continue
        if (reviewer, number) in seen:
            r.problem("reviewer", f"'{reviewer}' reviews round {number} twice (also on line "
                      f"{seen[reviewer, number]}).", "Keep one of the two reviews.",
                      "config.duplicate-id")
            continue
        seen[reviewer, number] = line
        reviews.append(Review(reviewer, number, assigned, blind, r.date("due"), recommendation,
                              recorded, report, r.boolean("forced", False)))
    return tuple(reviews)
