"""Peer review run by the editor: assign reviewers, record their reports, decide.

Commands of this group are registered in anthology.cli. Each parses options, calls one
function of `anthology.editorial.tracking.reviewing` and prints; domain errors are turned
into messages by the group. The review copy a reviewer reads is `anthology build review CHAPTER`.
"""

from __future__ import annotations

from pathlib import Path

import click

from anthology.cli.common import echo, echo_json, format_option, state, today
from anthology.core.model import BLIND_MODES, RECOMMENDATIONS

COMMANDS: list[click.Command] = []


@click.group("review")
def review_group() -> None:
    """Run the peer review of chapters: assign reviewers, record reports, decide.

    Reviewers are contributors with the role `reviewer`. Reports are kept under reviews/
    (for the editors: not committed), decisions in the chapter's history.

    Example:

    \b
        anthology review assign peer-support jane-roe --due 2027-02-15
    """


@review_group.command("assign")
@click.argument("chapter_id", metavar="CHAPTER")
@click.argument("reviewer", metavar="REVIEWER")
@click.option("--due", help="When the report is due, YYYY-MM-DD (default: the book's "
                            "`reviews` deadline).")
@click.option("--blind", type=click.Choice(BLIND_MODES), default="double", show_default=True,
              help="double: neither side knows the other; single: the reviewer knows the "
                   "authors; open: both know.")
@click.option("--force", is_flag=True,
              help="Assign even a reviewer who wrote the chapter, or wrote another chapter "
                   "with one of its authors (recorded as forced).")
def review_assign_command(chapter_id: str, reviewer: str, due: str | None, blind: str,
                          force: bool) -> None:
    """Assign a reviewer to the chapter's current (or next) review round.

    Example:

    \b
        anthology review assign peer-support jane-roe --due 2027-02-15 --blind double
    """
    from anthology.editorial.tracking.plan import parse_date
    from anthology.editorial.tracking.reviewing import assign_review

    review = assign_review(state().root(), chapter_id, reviewer, today(),
                           due=parse_date(due) if due else None, blind=blind, force=force)
    when = f", due {review.due.isoformat()}" if review.due else ""
    forced = " (forced)" if review.forced else ""
    echo(f"Assigned '{reviewer}' to review round {review.round} of chapter '{chapter_id}' "
         f"({review.blind} blind{when}){forced}.")


@review_group.command("list")
@format_option("text", "json")
def review_list_command(fmt: str) -> None:
    """List every review: chapter, round, reviewer, due date, recommendation.

    Example:

    \b
        anthology review list --format json
    """
    from anthology.editorial.tracking.reviewing import review_record

    book = state().book()
    rows = [(c, r) for c in book.chapters for r in c.reviews]
    if fmt == "json":
        data = [{"chapter": c.id, **{k: v.isoformat() if hasattr(v, "isoformat") else v
                                     for k, v in review_record(r).items()},
                 "outstanding": r.outstanding} for c, r in rows]
        echo_json(data)
        return
    if not rows:
        echo("No reviews yet. Assign one with `anthology review assign CHAPTER REVIEWER`.")
        return
    now = today()
    for chapter, review in rows:
        if review.outstanding:
            late = review.due is not None and review.due < now
            what = f"due {review.due.isoformat()}" if review.due else "outstanding"
            what += f" ({(now - review.due).days} d late)" if late and review.due else ""
        else:
            assert review.recorded is not None
            what = f"{review.recommendation}, {review.recorded.isoformat()}"
        forced = "  (forced)" if review.forced else ""
        echo(f"{chapter.id}  round {review.round}  {review.reviewer}  {review.blind} blind  "
             f"{what}{forced}")


@review_group.command("record")
@click.argument("chapter_id", metavar="CHAPTER")
@click.argument("reviewer", metavar="REVIEWER")
@click.option("--recommendation", type=click.Choice(RECOMMENDATIONS), required=True,
              help="What the reviewer recommends.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="The reviewer's report (.md or .txt), copied to reviews/CHAPTER/.")
def review_record_command(chapter_id: str, reviewer: str, recommendation: str,
                          report: Path | None) -> None:
    """Record a reviewer's recommendation and keep their report.

    Example:

    \b
        anthology review record peer-support jane-roe --recommendation minor --report r.md
    """
    from anthology.editorial.tracking.reviewing import record_review

    review = record_review(state().root(), chapter_id, reviewer, recommendation, today(),
                           report)
    kept = f"; report kept as {review.report}" if review.report else ""
    echo(f"Recorded the review of '{reviewer}' for round {review.round} of chapter "
         f"'{chapter_id}': {recommendation}{kept}.")


@review_group.command("decide")
@click.argument("chapter_id", metavar="CHAPTER")
@click.argument("decision", type=click.Choice(("accept", "revise", "reject")))
@click.option("--note", help="A word to the authors, quoted in the letter and the history.")
@click.option("--force", is_flag=True, help="Decide though reviews are outstanding.")
def review_decide_command(chapter_id: str, decision: str, note: str | None,
                          force: bool) -> None:
    """Decide on the chapter's review round and write the letter to its authors.

    accept moves the chapter to accepted, revise to revisions, reject to withdrawn. The letter
    (build/mail/CHAPTER-decision-round-N.eml, nothing is sent) quotes the reports, naming the
    reviewers only in open review.

    Example:

    \b
        anthology review decide peer-support revise --note "Please shorten section 2."
    """
    from anthology.cli.tracking import _who
    from anthology.core.findings import render_text
    from anthology.editorial.tracking.reviewing import decide_review

    root = state().root()
    result = decide_review(root, chapter_id, decision, today(), by=_who(root), note=note,
                           force=force)
    if result.findings:
        echo(render_text(result.findings), err=True)
    chapter = result.decision.chapter
    echo(f"Chapter '{chapter.id}' is now {chapter.status.value} after review round "
         f"{result.decision.round}.")
    if result.letter is None:
        echo("No letter written: no author of the chapter has an e-mail address.")
    else:
        echo(f"Wrote {result.letter.relative_to(root)}: check it and send it from your mail "
             "program; nothing was sent.")


COMMANDS.append(review_group)
