"""The browser fixtures live in tests/browser/fixtures.py, loaded once for the whole suite by the
root conftest (one Chromium per test session, whichever app's journey uses it)."""

from .fixtures import SHOTS  # noqa: F401  (journeys import it from here)
