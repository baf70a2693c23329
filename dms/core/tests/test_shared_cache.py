"""Rate limits count in a cache that every worker process shares (issue 12): a table of the database
by default, created by migrate; Redis when REDIS_URL is set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def test_the_cache_is_a_table_of_the_database(db):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"

    cache.set("scheduling:web:ip:192.0.2.1", 3, 3600)

    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE cache_key LIKE %s", ["%scheduling:web:ip:192.0.2.1"]
        )
        assert cursor.fetchone()[0] == 1
    assert cache.get("scheduling:web:ip:192.0.2.1") == 3


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.real_clock
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the embedded SQLite is tested in the SQLite run"
)
def test_migrate_creates_the_cache_and_two_processes_count_together(sqlite_var_dir):
    # given a new installation, migrated and nothing else (what make run does): the session's copy
    # of the database `migrate` made (conftest.migrated_sqlite)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DMS_VAR_DIR"] = str(sqlite_var_dir)

    # when two processes (two gunicorn workers) count attempts under one key
    count = "from django.core.cache import cache; cache.add('k', 0, 60); print(cache.incr('k'))"
    first = _manage(env, "shell", "-v0", "-c", count)
    second = _manage(env, "shell", "-v0", "-c", count)

    # then the second sees the first one's count
    assert first.returncode == 0, first.stderr[-2000:]
    assert (first.stdout.strip(), second.stdout.strip()) == ("1", "2")


def _redis_up(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.real_clock
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="Redis is the same beside either database: the SQLite run has it",
)
def test_with_redis_url_two_processes_count_together_in_redis(tmp_path):
    url = "redis://127.0.0.1:6379/15"
    if not _redis_up(url):
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    server = redis.Redis.from_url(url)
    server.flushdb()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DMS_VAR_DIR=str(tmp_path), REDIS_URL=url)
    backend = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    count = "from django.core.cache import cache; cache.add('k', 0, 60); print(cache.incr('k'))"

    chosen = _manage(env, "shell", "-v0", "-c", backend)
    first = _manage(env, "shell", "-v0", "-c", count)
    second = _manage(env, "shell", "-v0", "-c", count)

    assert chosen.stdout.strip() == "django.core.cache.backends.redis.RedisCache", chosen.stderr[-2000:]
    assert (first.stdout.strip(), second.stdout.strip()) == ("1", "2"), first.stderr[-2000:]
    assert any(key.endswith(b":k") for key in server.keys("*"))  # the count is in Redis, not the database
    server.flushdb()
