"""/api/v1/technicians: who works in the store, with their skills and hours."""

from datetime import time

from conftest import make_user
from dms.core.roles import Role
from dms.scheduling.models import Team, Technician


def test_the_stores_technicians_are_listed_with_skills_team_and_hours(api, store, technician):
    team = Team.objects.create(store=store, name="机电一组")
    Technician.objects.create(
        store=store, user=technician, team=team, skills=["engine", "electrical"], level="senior",
        works_from=time(8), works_until=time(17), weekdays=[0, 1, 2, 3, 4],
    )  # fmt: skip
    retired = make_user("tech0", store, Role.TECHNICIAN)
    Technician.objects.create(store=store, user=retired, active=False)

    r = api.get("/technicians")

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["name"], item["skills"], item["team"], item["level"]) == (
        "tech1", ["engine", "electrical"], "机电一组", "senior"
    )  # fmt: skip
    assert (item["works_from"], item["works_until"], item["weekdays"]) == (
        "08:00:00",
        "17:00:00",
        [0, 1, 2, 3, 4],
    )
