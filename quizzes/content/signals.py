"""What content tells the apps built on it, without knowing them."""

from django.dispatch import Signal

# Sent by the publishing service, inside its transaction, with `cards` (the cards that are now
# published) and `now`; receivers (the review app) give them to the learners who need them.
cards_published = Signal()
