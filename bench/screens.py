"""What the load generators read from the review screen and send with every request: the shown
card, its one-time token, its choices, and the grades a checked answer allows (the check itself is
kept by the server with the showing, so the grade form carries only the card and its token)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CSRF = "benchcsrf" + "0" * 23  # any 32 letters/digits: Django compares the header with the cookie
CARD = re.compile(r'name="card" value="(\d+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
CHOICE = re.compile(r'name="choice" value="(\d+)"')
GRADE = re.compile(r'name="rating" value="(\d)"')
CHECK_FORM = 'action="/review/check/"'


def headers(session_key: str, *, htmx: bool = False) -> dict[str, str]:
    """A signed-in request (session cookie) that passes the CSRF check; htmx when asked."""
    sent = {"Cookie": f"sessionid={session_key}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
    if htmx:
        sent["HX-Request"] = "true"
    return sent


@dataclass(frozen=True)
class ShownCard:
    card: str
    token: str
    needs_check: bool
    choices: list[str] = field(default_factory=list)

    def check_data(self, pick: str | None = None) -> dict:
        """The check of a choice card (the picked choice) or a cloze card (a typed guess)."""
        data = {"card": self.card, "token": self.token}
        if self.choices:
            data["choice"] = pick or self.choices[0]
        else:
            data["typed"] = "metastasis"
        return data


def shown_card(html: str) -> ShownCard | None:
    """The card a review screen shows, or None when the learner's queue is empty."""
    card, token = CARD.search(html), TOKEN.search(html)
    if not (card and token):
        return None
    return ShownCard(card.group(1), token.group(1), CHECK_FORM in html, CHOICE.findall(html))


def checked(html: str) -> list[int]:
    """The grades the answer side of a checked card allows (empty: no grade form shown)."""
    return [int(rating) for rating in GRADE.findall(html)]
