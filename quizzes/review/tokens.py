"""One-time tokens of the review screen: a shown card, and the verdict of its checked answer.

Every shown card carries a signed token (user, card, MemoryState.version, time shown, random
nonce). An answer stores the token (or its SHA-256) in a unique column, so a repeat of the same
submission is recognised; the version makes an answer to a card that changed meanwhile stale.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core import signing

TOKEN_SALT = "bonelearn.review.card"
VERDICT_SALT = "bonelearn.review.verdict"
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


def verdict_issue(*, token: CardToken, right: bool) -> str:
    """A signed statement that the answer checked for this shown card was right or wrong.

    Bound to the learner, the card, its version and the one-time token, so it cannot be reused
    for another card, another showing of the same card, or another learner.
    """
    payload = [token.user_id, token.card_id, token.version, token.stored, bool(right)]
    return signing.dumps(payload, salt=VERDICT_SALT, compress=False)


def verdict_read(verdict: str, *, token: CardToken) -> bool:
    """Whether the checked answer was right; raises signing.BadSignature unless the verdict was
    issued for exactly this shown card."""
    payload = signing.loads(verdict, salt=VERDICT_SALT)
    expected = [token.user_id, token.card_id, token.version, token.stored]
    if not (isinstance(payload, list) and len(payload) == 5 and payload[:4] == expected):
        raise signing.BadSignature("verdict issued for another card or showing")
    if not isinstance(payload[4], bool):
        raise signing.BadSignature("verdict payload has the wrong types")
    return payload[4]
