"""The workshop's people and catalogue (the demo packages are checked against its labor and parts)."""

from dms.workshop.tests.conftest import *  # noqa: F403
