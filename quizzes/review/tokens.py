"""One-time tokens of the review screen: a shown card.

Every shown card carries a signed token (user, card, MemoryState.version, time shown, random
nonce). The check of its answer (CheckedAnswer) and the answer itself (ReviewLog) store the token
(or its SHA-256) in a unique column, so the first verdict is final and a repeat of the same
submission is recognised; the version makes an answer to a card that changed meanwhile stale, and
the time shown makes the token expire when the learner's day ends.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core import signing

TOKEN_SALT = "bonelearn.review.card"
ANSWER_TIMER_CAP_MS = 60_000


@dataclass(frozen=True)
class CardToken:
    """What a verified one-time token says about the screen it was issued for."""

    user_id: int
    card_id: int
    version: int
    issued_at: datetime
    raw: str

    def duration_ms(self, now: datetime) -> int:
        """Time from showing the card to answering it, capped like Anki's answer timer."""
        elapsed = (now - self.issued_at).total_seconds() * 1000
        return int(min(max(elapsed, 0), ANSWER_TIMER_CAP_MS))

    @property
    def stored(self) -> str:
        """The token as the review log stores it."""
        return stored_token(self.raw)

    @property
    def seed(self) -> int:
        return token_seed(self.raw)


def token_seed(token: str) -> int:
    """A number only this showing has (its token holds a random nonce): what shuffles its
    choices, the same way every time the showing is drawn."""
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "big")


def stored_token(token: str) -> str:
    """The log's token column holds 64 characters; longer (signed) tokens are stored hashed."""
    if len(token) <= 64:
        return token
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: Any, state: Any, now: datetime) -> str:
    """A signed token for showing the memory state's card at its version once (the nonce makes it
    unique)."""
    issued_ms = int(now.timestamp() * 1000)
    payload = [user.pk, state.card_id, state.version, issued_ms, secrets.token_urlsafe(12)]
    return signing.dumps(payload, salt=TOKEN_SALT, compress=False)


def token_read(token: str) -> CardToken:
    """The verified token's contents; raises signing.BadSignature for a forged or damaged token."""
    payload = signing.loads(token, salt=TOKEN_SALT)
    if not (isinstance(payload, list) and len(payload) == 5):
        raise signing.BadSignature("token payload has the wrong shape")
    user_id, card_id, version, issued_ms, _nonce = payload
    if not all(
        isinstance(value, int) and not isinstance(value, bool)
        for value in (user_id, card_id, version, issued_ms)
    ):
        raise signing.BadSignature("token payload has the wrong types")
    issued_at = datetime.fromtimestamp(issued_ms / 1000, tz=UTC)
    return CardToken(
        user_id=user_id, card_id=card_id, version=version, issued_at=issued_at, raw=token
    )
