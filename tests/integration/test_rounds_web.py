"""The system lead's matching pages, the background paths (thread and RQ) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import Match, MatchingRound, OutboxMessage, RequestStatus, Role, RoundStatus
from hexqi.services import jobs, rounds
from tests import factories as f
from tests.factories import login

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def world(app):
    icb = f.organisation("Surrey ICB")
    lead = f.person(icb, Role.SYSTEM_LEAD, name="Lena Lead")
    acute, gp = f.organisation("Acute Trust"), f.organisation("GP Practice")
    c1 = f.coach(acute, {"pdsa": 3, "spc": 2}, name="Ada Acute")
    c2 = f.coach(gp, {"pdsa": 2}, name="Gus GP")
    m1 = f.person(acute, Role.TEAM_MEMBER)
    m2 = f.person(gp, Role.TEAM_MEMBER)
    t1, t2 = f.team(acute, [m1], name="Ward 7"), f.team(gp, [m2], name="Practice nurses")
    r1 = f.support_request(t1, m1, {"pdsa": 2}, priority=3, title="Falls")
    r2 = f.support_request(t2, m2, {"spc": 2}, priority=2, title="Flu jabs")
    db.session.commit()
    return {"lead": lead, "c1": c1, "c2": c2, "m1": m1, "r1": r1, "r2": r2,
            "sys": icb.system, "acute": acute, "gp": gp}


def _wait(round_id: int, seconds: float = 60) -> MatchingRound:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        rnd = db.session.get(MatchingRound, round_id)
        if rnd.status not in (RoundStatus.QUEUED, RoundStatus.RUNNING):
            return rnd
        time.sleep(0.2)
    raise AssertionError(f"round {round_id} still {rnd.status} after {seconds}s: {rnd.message}")


def test_pages_need_a_system_lead(client, world):
    for url in ("/system/", "/system/rounds/new", "/system/organisations", "/system/people",
                "/system/settings"):
        assert client.get(url).status_code in (302, 401), url
    login(client, world["m1"])
    for url in ("/system/", "/system/rounds/new", "/system/organisations", "/system/people",
                "/system/settings"):
        assert client.get(url).status_code == 403, url
    rnd = rounds.start_round(world["sys"].id, world["lead"], [world["r1"].id], "required")
    assert client.get(f"/system/rounds/{rnd.id}/status.json").status_code == 403
    assert client.post(f"/system/rounds/{rnd.id}/publish").status_code == 403


def test_dashboard_counts_and_empty_state(client, world):
    login(client, world["lead"])
    page = client.get("/system/").get_data(as_text=True)
    assert "No matching rounds yet" in page
    assert '<span class="stat-value">2</span>' in page  # 2 open requests, 2 coaches


def test_new_round_lists_and_filters_open_requests(client, world):
    login(client, world["lead"])
    page = client.get("/system/rounds/new").get_data(as_text=True)
    assert "Falls" in page and "Flu jabs" in page and page.count("checked") >= 2
    page = client.get(f"/system/rounds/new?organisation={world['gp'].id}").get_data(as_text=True)
    assert "Flu jabs" in page and "Falls" not in page
    page = client.get("/system/rounds/new?priority=3").get_data(as_text=True)
    assert "Falls" in page and "Flu jabs" not in page


def test_start_a_round_thread_path_and_status_json(client, world, app):
    login(client, world["lead"])
    resp = client.post("/system/rounds/new", data={"policy": "required", "scope": "selected",
                                                   "request_ids": [world["r2"].id]})
    assert resp.status_code == 302
    rnd = db.session.scalar(sa.select(MatchingRound))
    assert resp.headers["Location"].endswith(f"/system/rounds/{rnd.id}")
    assert rnd.request_ids == [world["r2"].id] and rnd.policy == "required"
    done = _wait(rnd.id)
    assert done.status == RoundStatus.DONE and done.progress == 1.0, done.message
    data = client.get(f"/system/rounds/{rnd.id}/status.json").get_json()
    assert data == {"status": "done", "progress": 1.0, "message": done.message}
    page = client.get(f"/system/rounds/{rnd.id}").get_data(as_text=True)
    assert "Ada Acute" in page and "Flu jabs" in page and "Approve all and publish" in page


def test_round_page_shows_progress_while_running(client, world):
    rnd = rounds.start_round(world["sys"].id, world["lead"], [world["r1"].id], "required")
    login(client, world["lead"])
    page = client.get(f"/system/rounds/{rnd.id}").get_data(as_text=True)
    assert "<progress" in page and 'http-equiv="refresh"' in page
    assert "round-progress.js" in page
    assert client.get(f"/system/rounds/{rnd.id}/status.json").get_json() == {
        "status": "queued", "progress": 0.0, "message": "Waiting to start"}
    assert client.get("/system/rounds/999/status.json").status_code == 404


def test_start_round_form_errors_keep_the_choice(client, world):
    login(client, world["lead"])
    resp = client.post("/system/rounds/new", data={"policy": "required", "scope": "selected"})
    assert resp.status_code == 422
    assert "Choose at least one open request" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MatchingRound.id))) == 0


def test_review_override_remove_publish(client, world):
    rnd = rounds.run_round(rounds.start_round(world["sys"].id, world["lead"],
                                              [world["r1"].id, world["r2"].id],
                                              "preferred").id, time_limit=5)
    login(client, world["lead"])
    # override: Ada (acute) for the acute team's request is allowed under "preferred"
    resp = client.post(f"/system/rounds/{rnd.id}/override",
                       data={"request_id": world["r1"].id, "coach_id": world["c1"].id})
    assert resp.status_code == 302
    m = db.session.scalar(sa.select(Match).where(Match.request_id == world["r1"].id))
    assert m.by_hand and m.coach_id == world["c1"].id
    # a coach the rules refuse: the reason shows beside the field, nothing changes
    rnd.policy = "required"
    db.session.commit()
    before = db.session.scalars(sa.select(Match.coach_id).order_by(Match.id)).all()
    resp = client.post(f"/system/rounds/{rnd.id}/override",
                       data={"request_id": world["r2"].id, "coach_id": world["c2"].id})
    assert resp.status_code == 422
    assert "requires a coach from another organisation" in resp.get_data(as_text=True)
    assert db.session.scalars(sa.select(Match.coach_id).order_by(Match.id)).all() == before
    resp = client.post(f"/system/rounds/{rnd.id}/remove", data={"request_id": world["r2"].id})
    assert resp.status_code == 302
    assert "proposal removed by hand" in client.get(f"/system/rounds/{rnd.id}").get_data(
        as_text=True)
    assert client.post(f"/system/rounds/{rnd.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(MatchingRound, rnd.id).status == RoundStatus.PUBLISHED
    assert db.session.get(type(world["r1"]), world["r1"].id).status == RequestStatus.MATCHED
    assert db.session.get(type(world["r2"]), world["r2"].id).status == RequestStatus.OPEN
    sent = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    client.post(f"/system/rounds/{rnd.id}/publish")  # a second click changes nothing
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == sent == 2
    page = client.get(f"/system/rounds/{rnd.id}", follow_redirects=True).get_data(as_text=True)
    assert "already published" in page or "Published" in page


def test_rq_worker_runs_the_round(app, world, database_url):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = f"hexqi-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS, HEXQI_RQ_QUEUE=queue)
    rnd = rounds.start_round(world["sys"].id, world["lead"], [world["r1"].id, world["r2"].id],
                             "required")
    job = jobs.enqueue_round(app, rnd.id)
    assert job.origin == queue
    env = {**os.environ, "DATABASE_URL": database_url, "HEXQI_CONFIG": "development",
           "HEXQI_MATCHING_TIME_LIMIT": "5", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    worker = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", queue, "--url", REDIS, "--burst",
         "--worker-class", "rq.worker.SimpleWorker"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert worker.returncode == 0, worker.stderr[-2000:]
    done = _wait(rnd.id, 5)
    assert done.status == RoundStatus.DONE and done.progress == 1.0, done.message
    assert db.session.scalar(sa.select(sa.func.count(Match.id)).where(
        Match.round_id == rnd.id)) == 2
    job.refresh()
    assert job.get_status() == "finished" and "done" in job.return_value()
    from rq import Queue
    Queue(queue, connection=job.connection).delete(delete_jobs=True)


def test_cli_match_run(runner, world):
    result = runner.invoke(args=["match", "run", "--policy", "required", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 requests matched" in result.output
    rnd = db.session.scalar(sa.select(MatchingRound))
    assert rnd.status == RoundStatus.DONE and rnd.created_by_id == world["lead"].id


def test_a_stale_round_can_be_marked_failed_from_its_page(client, world):
    from datetime import timedelta

    from hexqi.models import utcnow

    rnd = rounds.start_round(world["sys"].id, world["lead"], [world["r1"].id], "required")
    login(client, world["lead"])
    page = client.get(f"/system/rounds/{rnd.id}").get_data(as_text=True)
    assert "Mark the round as failed" not in page
    refused = client.post(f"/system/rounds/{rnd.id}/give-up", follow_redirects=True)
    assert "still working" in refused.get_data(as_text=True)
    db.session.execute(sa.update(MatchingRound).where(MatchingRound.id == rnd.id)
                       .values(updated_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    page = client.get(f"/system/rounds/{rnd.id}").get_data(as_text=True)
    assert "has not reported any progress" in page and "Mark the round as failed" in page
    done = client.post(f"/system/rounds/{rnd.id}/give-up", follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "marked as failed" in text and "Run the round again" in text
    db.session.expire_all()
    assert db.session.get(MatchingRound, rnd.id).status == RoundStatus.FAILED
    assert client.post("/system/rounds/999/give-up").status_code == 404
