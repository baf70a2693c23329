"""The database alone: every SQL statement of a search request, under EXPLAIN ANALYZE.

    .venv/bin/python bench/explain.py [--plans]

Uses the bench database as `make bench` left it (run that first). For BENCH_QUERIES (default
100) texts of each kind, drawn exactly as bench/run.py draws them, it sends the search request
in-process (Django's test client, no HTTP server), captures the SQL statements it runs, and runs
each again under EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON). Reported per kind:

  * statements per request;
  * the candidates statement (the UNION ALL of the search's branches): planning + execution
    time, and the most rows its scans read for one search (an index scan that stops after the
    first page reads at most BRANCH_CAP rows per branch);
  * all statements of the request: planning and execution time summed, i.e. what PostgreSQL
    alone spends on one request;
  * any sequential scan (there should be none).

With --plans, one plan of each kind is printed. Results also go to var/bench/explain.json.
"""

import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
import run  # noqa: E402


def walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def text_plan(node: dict, depth: int = 0) -> list[str]:
    what = node["Node Type"]
    if node.get("Index Name"):
        what += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        what += f" on {node['Relation Name']}"
    line = f"{'  ' * depth}-> {what}  (rows={node.get('Actual Rows')} loops={node.get('Actual Loops')})"
    for key in ("Index Cond", "Recheck Cond", "Filter", "Sort Key"):
        if node.get(key):
            line += f"  {key}: {node[key]}"
    out = [line]
    for child in node.get("Plans", []):
        out += text_plan(child, depth + 1)
    return out


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or run.DEFAULT_URL
    per_kind = run.env_int("BENCH_QUERIES", 100)
    seed = run.env_int("BENCH_SEED", 1)
    limit = int(os.environ["BENCH_LIMIT"]) if os.environ.get("BENCH_LIMIT") else None
    generate.setup_django(url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dms.core.models import ApiToken, User

    org = generate.ensure_org()
    queries = run.draw_queries(org, per_kind, seed)
    user = User.objects.get(username=run.BENCH_USER)
    _token, raw = ApiToken.issue(user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")

    rows, plans = {}, {}
    for kind in run.KINDS:
        stats = {k: [] for k in ("statements", "cand_ms", "cand_rows", "plan_ms", "exec_ms", "all_ms")}
        seq = 0
        for q in queries[kind]:
            params = {"q": q} if limit is None else {"q": q, "limit": limit}
            with CaptureQueriesContext(connection) as ctx:
                r = client.get("/api/v1/customers", params)
            assert r.status_code == 200, r.content[:300]
            statements = [
                c["sql"] for c in ctx.captured_queries if c["sql"].lstrip().upper().startswith("SELECT")
            ]
            planning = execution = 0.0
            with connection.cursor() as cur:
                for sql in statements:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                    plan = cur.fetchone()[0][0]
                    planning += plan["Planning Time"]
                    execution += plan["Execution Time"]
                    nodes = list(walk(plan["Plan"]))
                    seq += sum(
                        n["Node Type"] == "Seq Scan" and n.get("Relation Name") in generate.TABLES
                        for n in nodes
                    )
                    if sql.startswith("SELECT 0, b0."):  # the candidates: selectors._union
                        stats["cand_ms"].append(plan["Planning Time"] + plan["Execution Time"])
                        # Rows the branch scans read (the join's inner lookups aside): index entries
                        # returned plus those a filter or recheck threw away.
                        stats["cand_rows"].append(
                            sum(
                                n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)
                                + n.get("Rows Removed by Index Recheck", 0)
                                for n in nodes
                                if n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Seq Scan")
                                and n.get("Actual Loops", 1) == 1
                            )
                        )  # fmt: skip
                        plans.setdefault(kind, (q, plan))
            stats["statements"].append(len(statements))
            stats["plan_ms"].append(planning)
            stats["exec_ms"].append(execution)
            stats["all_ms"].append(planning + execution)

        def med(k, stats=stats):
            return round(statistics.median(stats[k] or [0.0]), 3)

        def p95(k, stats=stats):
            return round(run.percentile(stats[k] or [0.0], 95), 3)

        rows[kind] = {
            "n": len(stats["all_ms"]),
            "statements": max(stats["statements"]),
            "candidates_median_ms": med("cand_ms"),
            "candidates_p95_ms": p95("cand_ms"),
            "candidates_max_rows_read": max(stats["cand_rows"] or [0]),
            "planning_median_ms": med("plan_ms"),
            "execution_median_ms": med("exec_ms"),
            "all_sql_median_ms": med("all_ms"),
            "all_sql_p95_ms": p95("all_ms"),
            "seq_scans": seq,
        }

    cols = (("kind", 14), ("n", 5), ("stmts", 6), ("cand. med", 10), ("cand. p95", 10), ("max rows", 9),
            ("plan med", 10), ("exec med", 10), ("all med", 9), ("all p95", 9), ("seq scans", 10))  # fmt: skip
    print("".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(cols)))
    for kind, r in rows.items():
        values = (kind, r["n"], r["statements"], r["candidates_median_ms"], r["candidates_p95_ms"],
                  r["candidates_max_rows_read"], r["planning_median_ms"], r["execution_median_ms"],
                  r["all_sql_median_ms"], r["all_sql_p95_ms"], r["seq_scans"])  # fmt: skip
        print(
            "".join(
                f"{v:<{w}}" if i == 0 else (f"{v:>{w}.3f}" if isinstance(v, float) else f"{v:>{w}}")
                for i, (v, (_h, w)) in enumerate(zip(values, cols, strict=True))
            )
        )
    print("ms; cand. = the candidates statement (the UNION ALL of the branches), planning + execution;")
    print("max rows = most rows its scans read for one search; plan/exec/all = summed over all the")
    print("request's statements (candidates, page; the bearer token's user and tenant are kept")
    print("between requests, so they are read only by the first).")
    if "--plans" in sys.argv:
        for kind, (q, plan) in plans.items():
            print(
                f"\n== {kind}: {q!r}  planning {plan['Planning Time']:.3f} ms, execution {plan['Execution Time']:.3f} ms"
            )
            print("\n".join(text_plan(plan["Plan"])))
    out = ROOT / "var" / "bench" / "explain.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"results": rows, "plans": {k: {"q": q, "plan": p} for k, (q, p) in plans.items()}},
            ensure_ascii=False,
            indent=1,
        )
    )
    return 1 if any(r["seq_scans"] for r in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
