"""Page benchmark: every dashboard and list page under gunicorn on PostgreSQL, at load.

    .venv/bin/python benchmarks/pages.py            # full size: 5,000 people, 100,000 transfers

It (re)creates the database named by --db on the PostgreSQL server, migrates it, builds the demo,
grows it to --people people and --transfers posted transfers (benchmarks/seed_load.py), checks
the ledger, serves HexQI with gunicorn (--workers 2), logs in one session per journey, and
drives --users concurrent users over real HTTP, each making the same number of requests round
its journey's pages, so all of them are busy until the end (with --think, each pausing that
long between requests and starting at a random moment within the first pause). A bare Flask "hello"
endpoint under the same gunicorn settings is measured in the same run as the baseline. Prints
a table: requests, median and p95 latency per page, and the ratio of each page's median to the
hello median.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, people: int, transfers: int) -> dict[str, str]:
    """Fresh database with demo + load; returns journey → login email."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from benchmarks.seed_load import grow
    from hexqi import create_app
    from hexqi.extensions import db
    from hexqi.services.demo import build_demo
    from hexqi.services.ledger_verify import verify

    server = sa.engine.make_url(url).set(database="postgres")
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, config_name="development")
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        summary = build_demo()
        t1 = time.perf_counter()
        added = grow(people, transfers)
        t2 = time.perf_counter()
        report = verify()
        t3 = time.perf_counter()
        n_people = db.session.scalar(sa.text("SELECT count(*) FROM people"))
        n_transfers = db.session.scalar(sa.text("SELECT count(*) FROM transfers"))
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"demo built in {t1 - t0:.1f} s; load added in {t2 - t1:.1f} s ({added}); "
              f"ledger verify {'passed' if report.ok else 'FAILED'} in {t3 - t2:.1f} s; "
              f"{n_people} people, {n_transfers} posted transfers", flush=True)
        if not report.ok:
            raise SystemExit(f"ledger verify failed: {report.violations[:1]}")
        logins = {x.journey: x.email for x in summary.logins}
        db.engine.dispose()
    return logins


def start_gunicorn(target: str, port: int, env: dict[str, str], workers: int,
                   threads: int) -> subprocess.Popen[bytes]:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn did not start: {cmd}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


class Client:
    """One user's keep-alive HTTP connection with its own cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                k, _, rest = value.partition("=")
                self.cookies[k] = rest.split(";", 1)[0]
        return resp.status, text

    def login(self, email: str, password: str) -> None:
        _, html = self.request("GET", "/auth/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        form = {"email": email, "password": password}
        if token:
            form["csrf_token"] = token.group(1)
        status, _ = self.request("POST", "/auth/login", urllib.parse.urlencode(form))
        if status not in (302, 303):
            raise SystemExit(f"login as {email} failed with HTTP {status}")


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.samples.setdefault(page, []).append(seconds)
            if not ok:
                self.errors[page] = self.errors.get(page, 0) + 1


def drive(port: int, users: list[tuple[str | None, list[str]]], requests: int, think: float,
          password: str) -> tuple[Timings, float]:
    """Each user makes ``requests`` requests, going round its pages in turn, pausing ``think``
    seconds after each: every user makes as many, so all of them stay busy for the whole
    run, whatever the length of their journey. With a pause, users start at staggered times
    (each after a random delay of up to ``think``, seeded), as people do; without one they
    all start together."""
    timings = Timings()
    rng = random.Random(7)
    offsets = [rng.uniform(0, think) if think else 0.0 for _ in users]
    clients = []
    for email, _pages in users:
        c = Client(port)
        if email:
            c.login(email, password)
        clients.append(c)
    barrier = threading.Barrier(len(users))

    def run(client: Client, pages: list[str], offset: float) -> None:
        barrier.wait()
        time.sleep(offset)
        for i in range(requests):
            page = pages[i % len(pages)]
            t = time.perf_counter()
            status, _ = client.request("GET", page)
            timings.add(page, time.perf_counter() - t, status == 200)
            if think:
                time.sleep(think)

    threads = [threading.Thread(target=run, args=(c, pages, offset))
               for c, (_e, pages), offset in zip(clients, users, offsets, strict=True)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return timings, time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


JOURNEY_PAGES = {
    "System lead": ["/system/", "/system/organisations", "/system/people",
                    "/system/rounds/{newest_round}", "/reports/",
                    "/reports/hours", "/reports/hours?group=organisation", "/reports/pyramid",
                    "/reports/impact", "/reports/sustainability"],
    "Coach": ["/coach/", "/coach/profile", "/coach/training"],
    "Team member": ["/team/", "/team/requests/new"],
    "Organisation admin": ["/org/", "/"],
}


def journey_pages(url: str) -> dict[str, list[str]]:
    """JOURNEY_PAGES with the newest matching round's id filled in (its review page lists
    the round's proposals and unmatched requests)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        newest = conn.scalar(sa.text("SELECT max(id) FROM matching_rounds"))
    engine.dispose()
    if newest is None:
        raise SystemExit("the benchmark database has no matching round")
    return {journey: [p.format(newest_round=newest) for p in pages]
            for journey, pages in JOURNEY_PAGES.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                    help="PostgreSQL server URL (no database)")
    ap.add_argument("--db", default="hexqi_bench")
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--transfers", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=6,
                    help="passes over the longest journey's pages: every user makes that many "
                    "requests, going round its own journey's pages")
    ap.add_argument("--think", type=float, default=0.0, help="seconds between a user's requests")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-prepare", action="store_true")
    args = ap.parse_args()

    from hexqi.services.demo import DEMO_PASSWORD

    url = f"{args.server}/{args.db}"
    if args.skip_prepare:
        logins = {"System lead": "lead@icb.demo.hexqi.org"}
        logins.update(json_logins())
    else:
        logins = prepare(url, args.people, args.transfers)
        (ROOT / "instance").mkdir(exist_ok=True)
        (ROOT / "instance" / "bench-logins.txt").write_text(
            "\n".join(f"{k}\t{v}" for k, v in logins.items()))

    env = dict(os.environ, DATABASE_URL=url, HEXQI_CONFIG="production", SECRET_KEY="bench")
    # Journeys in turn across the users: 20 users → 5 of each of the four journeys.
    pages = journey_pages(url)
    journeys = list(pages)
    users = [(logins[journeys[i % len(journeys)]], pages[journeys[i % len(journeys)]])
             for i in range(args.users)]

    port = _free_port()
    hello = start_gunicorn("benchmarks.hello:app", port, env, args.workers, args.threads)
    try:
        per_user = max(len(p) for _e, p in users) * args.rounds
        drive(port, [(None, ["/hello"])] * args.users, 3, 0, "")  # warm-up
        base, base_wall = drive(port, [(None, ["/hello"])] * args.users, per_user, args.think,
                                "")
    finally:
        stop(hello)

    port = _free_port()
    app = start_gunicorn("hexqi:create_app()", port, env, args.workers, args.threads)
    try:
        longest = max(len(p) for _e, p in users)
        drive(port, users, longest, 0, DEMO_PASSWORD)  # warm-up: every page at least once
        timings, wall = drive(port, users, per_user, args.think, DEMO_PASSWORD)
    finally:
        stop(app)

    hello_median = statistics.median(base.samples["/hello"])
    print()
    print(f"gunicorn -w {args.workers} --threads {args.threads}; {args.users} concurrent users; "
          f"think time {args.think:g} s; PostgreSQL {args.db}")
    header = f"{'page':<34} {'requests':>8} {'errors':>6} {'median ms':>10} {'p95 ms':>8} " \
             f"{'median/hello':>12}"
    print(header)
    print("-" * len(header))
    worst_median = worst_p95 = 0.0
    for page, values in sorted(timings.samples.items()):
        med, q95 = statistics.median(values) * 1000, p95(values) * 1000
        worst_median, worst_p95 = max(worst_median, med), max(worst_p95, q95)
        print(f"{page:<34} {len(values):>8} {timings.errors.get(page, 0):>6} {med:>10.1f} "
              f"{q95:>8.1f} {med / (hello_median * 1000):>12.1f}")
    hv = base.samples["/hello"]
    print(f"{'/hello (bare Flask)':<34} {len(hv):>8} {base.errors.get('/hello', 0):>6} "
          f"{hello_median * 1000:>10.1f} {p95(hv) * 1000:>8.1f} {1.0:>12.1f}")
    total = sum(len(v) for v in timings.samples.values())
    print(f"\npages: {total} requests in {wall:.1f} s ({total / wall:.1f} req/s); "
          f"hello: {len(hv)} in {base_wall:.1f} s ({len(hv) / base_wall:.1f} req/s)")
    print(f"worst page median {worst_median:.1f} ms (target < 150), "
          f"worst page p95 {worst_p95:.1f} ms (target < 400)")


def json_logins() -> dict[str, str]:
    path = ROOT / "instance" / "bench-logins.txt"
    return dict(line.split("\t", 1) for line in path.read_text().splitlines())


if __name__ == "__main__":
    main()
