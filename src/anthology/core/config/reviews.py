"""A chapter's `reviews:` in chapters.yaml: the keys of one review, declared like every other
key, and the reviews made from them."""

from __future__ import annotations

from anthology.core.config.keys import Check, Field, Items, Key, Kind, Table, Values, make
from anthology.core.config.reading import inside_file
from anthology.core.config.suggest import did_you_mean
from anthology.core.model import BLIND_MODES, RECOMMENDATIONS, Review

EXAMPLE = "- {reviewer: jane-doe, round: 1, blind: double, assigned: 2027-01-10}"


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(field: Field, value: str) -> str | None:
        if value not in choices:
            field.problem(f"{field.name} is '{value}', which is not one of: "
                          f"{', '.join(choices)}.", did_you_mean(value, choices) or
                          f"Use one of: {', '.join(choices)}.")
            return None
        return value

    return check


def _reviewer(field: Field, reviewer: str) -> str:
    people = field.context.people
    if people is not None and reviewer not in people:
        field.problem(f"the reviewer '{reviewer}' is not in contributors.yaml.",
                      did_you_mean(reviewer, people) or
                      "Add them with `anthology contributor add --role reviewer`, or fix the "
                      "id.", "config.unknown-contributor")
    return reviewer


def _report(field: Field, report: str) -> str | None:
    # Only from reviews/: the letter to the authors quotes the report, so it must not be
    # able to name any other file of the book (contributors.yaml, a chapter's notes...).
    if not report.startswith("reviews/") or not inside_file(field.context.root, report):
        field.problem(f"the report {report} is not a file in the book's reviews/ folder.",
                      "Record it again with `anthology review record CHAPTER REVIEWER "
                      "--report FILE`, which copies it under reviews/.", "config.file")
        return None
    return report


REVIEW = Table((
    Key("reviewer", Kind.TEXT, "the reviewer's contributor id", "jane-doe", required=True,
        check=_reviewer),
    Key("round", Kind.WHOLE, "the review round, from 1", "1", required=True, minimum=1,
        maximum=1000),
    Key("blind", Kind.TEXT, "`double` (neither side knows the other), `single` (the reviewer "
        "knows the authors) or `open` (both do)",
        BLIND_MODES[0], default=BLIND_MODES[0], check=_one_of(BLIND_MODES)),
    Key("assigned", Kind.DATE, "the date the review was asked for", required=True),
    Key("due", Kind.DATE, "the date the report is due"),
    Key("recommendation", Kind.TEXT, ", ".join(f"`{r}`" for r in RECOMMENDATIONS),
        RECOMMENDATIONS[0],
        check=_one_of(RECOMMENDATIONS)),
    Key("recorded", Kind.DATE, "the date the recommendation was recorded"),
    Key("report", Kind.TEXT, "the report, a file under reviews/",
        "reviews/peer-support/round-1-jane-doe.md", check=_report),
    Key("forced", Kind.BOOL, "the review was recorded with --force", default=False),
), what="a review")


def _reviews(field: Field, items: list[Values]) -> tuple[Review, ...]:
    """The chapter's reviews, each reviewer once per round."""
    reviews: list[Review] = []
    seen: dict[tuple[str, int], int] = {}
    for r in items:
        s = r.section
        if r["recommendation"] is not None and r["recorded"] is None and "recorded" not in s.data:
            s.problem("recommendation", "a review with a recommendation needs the date it was "
                      "recorded.", "Add it, for example: recorded: 2027-02-01",
                      "config.missing-key")
        reviewer, number, assigned = r["reviewer"], r["round"], r["assigned"]
        if reviewer is None or number is None or assigned is None:
            continue
        if (reviewer, number) in seen:
            s.problem("reviewer", f"'{reviewer}' reviews round {number} twice (also on line "
                      f"{seen[reviewer, number]}).", "Keep one of the two reviews.",
                      "config.duplicate-id")
            continue
        seen[reviewer, number] = s.data.line
        reviews.append(make(Review, r))
    return tuple(reviews)


REVIEWS = Key("reviews", Kind.ITEMS, "the chapter's peer reviews, one group of keys each "
              "(a review, below; see *Peer review*)", keys=REVIEW, check=_reviews, items=Items(
                  ("'reviews' should be a list of reviews.", f"Each review looks like: {EXAMPLE}"),
                  ("review {n} of 'reviews' should be a group of keys.",
                   f"For example: {EXAMPLE}"), where="reviews."))
