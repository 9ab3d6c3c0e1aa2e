"""Why the review services refuse a request; the message is for the learner. Views map each kind
to an HTTP status (quizzes.review.views), services know nothing of HTTP."""


class ReviewRejected(Exception):
    """An answer, undo, bury or suspend that was not applied."""


class DuplicateAnswer(ReviewRejected):
    """This very submission was already applied (double click, network retry, resent form)."""


class StaleAnswer(ReviewRejected):
    """The card changed since it was shown (answered in another tab, undone, buried)."""


class GradeRefused(ReviewRejected):
    """A grade the card's checked answer does not allow (or a choice card graded unchecked)."""


class NotTheLearners(ReviewRejected):
    """The card or answer is not this learner's (another learner's id, or never unlocked)."""


class NothingPicked(ReviewRejected):
    """A choice card checked with no choice picked (nothing is recorded)."""


class LimitReached(ReviewRejected):
    """An answer to a new card beyond today's new-card limit, or to a review card beyond the
    review limit (another tab answered the cards that fitted)."""


class ShownOnAnotherDay(StaleAnswer):
    """The card was shown on an earlier learning day: its token expired when that day ended."""


class CardWithdrawn(ReviewRejected):
    """The card was unpublished, sent back to review or retired since it was shown."""
