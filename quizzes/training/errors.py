"""Why a training request was refused; the message is for the learner. Views map each kind to an
HTTP status (quizzes.training.views); services know nothing of HTTP."""


class TrainingRefused(Exception):
    """A training request that was not carried out."""


class NotAssigned(TrainingRefused):
    """The module is not assigned to the learner."""


class ModuleClosed(TrainingRefused):
    """The module is unpublished, outside its dates, or has no questions."""


class NoAttemptsLeft(TrainingRefused):
    """Every allowed attempt is used."""


class AttemptFinished(TrainingRefused):
    """The attempt was already submitted."""


class TimeUp(TrainingRefused):
    """The deadline passed or the module closed; the attempt is submitted."""


class AlreadyAnswered(TrainingRefused):
    """With feedback after each question, the first answer is final."""


class InvalidAnswer(TrainingRefused):
    """A choice not shown, none picked, empty or over-long text."""


class QuestionChanged(TrainingRefused):
    """The card was edited after the attempt drew it."""


class LessonsUnread(TrainingRefused):
    """The module wants its lessons read before the quiz, and some are not."""


class CertificateRevoked(TrainingRefused):
    """The certificate was already revoked."""
