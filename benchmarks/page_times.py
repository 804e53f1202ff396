"""Single-request server times and query counts of the benchmarked pages (no load).

    .venv/bin/python benchmarks/page_times.py                    # every page, 7 requests each
    .venv/bin/python benchmarks/page_times.py /reports/hours -n 15 --queries

Runs HexQI in this process (Flask's test client, no HTTP server) against the database that
``benchmarks/pages.py`` built (``hexqi_bench`` by default), logs in once per journey and
requests each page ``-n`` times after one warm-up request. Prints per page the median and
the fastest server time and the number of SQL queries one request runs; ``--queries``
also lists each query of the last request with its time (the slowest first).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pages import journey_pages, json_logins  # noqa: E402


class QueryLog:
    """Every statement run on the engine, with its time, while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.items: list[tuple[float, str]] = []
        self._started: list[float] = []

    def attach(self, engine: object) -> None:
        import sqlalchemy as sa

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _before(*_args: object) -> None:
            self._started.append(time.perf_counter())

        @sa.event.listens_for(engine, "after_cursor_execute")
        def _after(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            began = self._started.pop() if self._started else time.perf_counter()
            if self.on:
                self.items.append((time.perf_counter() - began, statement))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("pages", nargs="*", help="paths to time (default: every benchmarked page)")
    ap.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    ap.add_argument("--db", default="hexqi_bench")
    ap.add_argument("-n", type=int, default=7, help="timed requests per page")
    ap.add_argument("--queries", action="store_true", help="list the last request's queries")
    ap.add_argument("--no-freeze", action="store_true",
                    help="leave start-up objects to the garbage collector (gunicorn.conf.py "
                    "freezes them in each worker)")
    args = ap.parse_args()

    from hexqi import create_app
    from hexqi.extensions import db
    from hexqi.services.demo import DEMO_PASSWORD

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"{args.server}/{args.db}",
                      "WTF_CSRF_ENABLED": False}, config_name="development")
    if not args.no_freeze:
        gc.collect()
        gc.freeze()
    log = QueryLog()
    with app.app_context():
        log.attach(db.engine)
    logins = {"System lead": "lead@icb.demo.hexqi.org", **json_logins()}
    wanted = set(args.pages)
    print(f"{'page':<34} {'median ms':>9} {'min ms':>7} {'queries':>7}")
    for journey, pages in journey_pages(f"{args.server}/{args.db}").items():
        pages = [p for p in pages if not wanted or p in wanted]
        if not pages:
            continue
        client = app.test_client()
        resp = client.post("/auth/login", data={"email": logins[journey],
                                                "password": DEMO_PASSWORD})
        if resp.status_code not in (302, 303):
            raise SystemExit(f"login as {logins[journey]} failed with HTTP {resp.status_code}")
        for page in pages:
            if client.get(page).status_code != 200:  # warm-up
                raise SystemExit(f"{page} did not answer 200")
            times = []
            for _ in range(args.n):
                log.items.clear()
                log.on = True
                t = time.perf_counter()
                client.get(page)
                times.append(time.perf_counter() - t)
                log.on = False
            print(f"{page:<34} {statistics.median(times) * 1000:>9.1f} "
                  f"{min(times) * 1000:>7.1f} {len(log.items):>7}", flush=True)
            if args.queries:
                for seconds, statement in sorted(log.items, reverse=True):
                    text = " ".join(statement.split())
                    print(f"    {seconds * 1000:7.1f} ms  {text[:160]}")


if __name__ == "__main__":
    main()
