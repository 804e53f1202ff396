"""Notifications: always in the outbox; sent by SMTP after commit; a mail failure never hurts."""

from __future__ import annotations

import email
import logging
import socket
import socketserver
import threading
from email.message import Message

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import OutboxMessage, Role
from hexqi.services.notify import notify
from tests import factories as f


class SMTPSink:
    """A tiny real SMTP server on 127.0.0.1 that keeps every message it is given.

    It speaks just enough SMTP for smtplib (no extensions, so no STARTTLS)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 sink ready")
                sender, recipients = "", []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command[:4].upper()
                    if verb in {"HELO", "EHLO"}:
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        sender, recipients = command, []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command)
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with <CRLF>.<CRLF>")
                        data = []
                        while (chunk := self.rfile.readline()) not in {b".\r\n", b""}:
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        sink.messages.append(email.message_from_bytes(b"".join(data)))
                        sink.envelopes.append((sender, recipients))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink(app):
    server = SMTPSink()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False,
                      MAIL_FROM="hexqi@example.org")
    yield server
    server.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored(message_id):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_without_a_mail_server_the_message_is_recorded_only(app):
    person = f.person(None, email="kim@example.org")
    message = notify(person, "Match proposed", "A coach has been proposed for your request.")
    db.session.commit()
    row = stored(message.id)
    assert (row.to_person_id, row.to_email, row.subject) == (
        person.id, "kim@example.org", "Match proposed")
    assert row.sent_at is None


def test_notify_does_not_commit_so_a_rollback_discards_the_message(app):
    person = f.person(None)
    db.session.commit()
    message_id = notify(person, "Never", "This action failed.").id
    db.session.rollback()
    assert db.session.get(OutboxMessage, message_id) is None


def test_message_is_sent_by_smtp_only_after_the_commit(app, sink):
    person = f.person(None, email="kim@example.org")
    message = notify(person, "Session to confirm",
                     "Please confirm 90 minutes with Café Team ✓.\nThank you.")
    assert sink.messages == []  # nothing leaves before the caller commits
    db.session.commit()

    assert len(sink.messages) == 1
    sent = sink.messages[0]
    assert sent["To"] == "kim@example.org"
    assert sent["From"] == "hexqi@example.org"
    assert sent["Subject"] == "Session to confirm"
    body = sent.get_payload(decode=True).decode(sent.get_content_charset() or "ascii")
    assert "Please confirm 90 minutes with Café Team ✓." in body
    assert "kim@example.org" in sink.envelopes[0][1][0]
    assert stored(message.id).sent_at is not None


def test_several_messages_in_one_commit_share_one_connection(app, sink):
    people = [f.person(None) for _ in range(3)]
    ids = [notify(p, f"Match published {i}", "Hello").id for i, p in enumerate(people)]
    db.session.commit()
    assert sorted(m["Subject"] for m in sink.messages) == [
        "Match published 0", "Match published 1", "Match published 2"]
    assert all(stored(i).sent_at is not None for i in ids)


def test_a_rolled_back_action_sends_nothing(app, sink):
    person = f.person(None)
    db.session.commit()
    notify(person, "Match proposed", "This will be rolled back.")
    db.session.rollback()
    db.session.commit()  # a later, unrelated commit must not send the forgotten message
    assert sink.messages == []


def test_subject_is_kept_to_one_line(app, sink):
    person = f.person(None)
    notify(person, "Hello\r\nBcc: victim@example.org", "Body")
    db.session.commit()
    assert sink.messages[0]["Subject"] == "Hello Bcc: victim@example.org"
    assert sink.messages[0]["Bcc"] is None


def test_smtp_down_keeps_the_action_and_the_message_and_logs(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    person = f.person(None, Role.COACH)
    with caplog.at_level(logging.ERROR):
        message = notify(person, "Match proposed", "Body")
        db.session.commit()  # does not raise
    row = stored(message.id)
    assert row is not None and row.sent_at is None
    assert "could not send" in caplog.text


def test_starttls_refused_leaves_the_message_unsent(app, sink, caplog):
    app.config["MAIL_USE_TLS"] = True  # the sink offers no STARTTLS
    person = f.person(None)
    with caplog.at_level(logging.ERROR):
        message = notify(person, "Match proposed", "Body")
        db.session.commit()
    assert sink.messages == []
    assert stored(message.id).sent_at is None
    assert "could not send" in caplog.text


def test_a_request_that_notifies_then_fails_sends_nothing(app, client, sink):
    """Through the web stack: a view whose service notifies and then crashes."""

    @app.post("/_test/notify-then-crash")
    def notify_then_crash():
        notify(db.session.get(type(person), person.id), "Too soon", "Never sent")
        raise RuntimeError("the action failed after notifying")

    person = f.person(None)
    db.session.commit()
    assert client.post("/_test/notify-then-crash").status_code == 500
    assert sink.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


# --- the outbox page ---------------------------------------------------------------------

def login(client, person):
    client.post("/auth/login", data={"email": person.email, "password": f.PASSWORD})


def test_outbox_lists_my_messages_newest_first_and_not_other_peoples(app, client):
    me, other = f.person(None, Role.TEAM_MEMBER), f.person(None, Role.TEAM_MEMBER)
    notify(me, "First for me", "one")
    notify(other, "For someone else", "two")
    notify(me, "Second for me", "three")
    db.session.commit()
    login(client, me)
    page = client.get("/outbox").get_data(as_text=True)
    assert "For someone else" not in page
    assert page.index("Second for me") < page.index("First for me")
    assert "Not sent by email" in page


def test_outbox_for_a_system_lead_shows_everyone_in_their_system(app, client):
    lead = f.person(None, Role.SYSTEM_LEAD)
    member = f.person(None, Role.TEAM_MEMBER)
    outsider = f.person(f.organisation(sys=f.system("Other ICS")), Role.TEAM_MEMBER)
    notify(member, "For a member", "x")
    notify(outsider, "For another system", "y")
    db.session.commit()
    login(client, lead)
    page = client.get("/outbox").get_data(as_text=True)
    assert "For a member" in page
    assert "For another system" not in page


def test_outbox_paginates(app, client):
    app.config["PER_PAGE"] = 2
    me = f.person(None, Role.TEAM_MEMBER)
    for i in range(5):
        notify(me, f"Message number {i}", "x")
    db.session.commit()
    login(client, me)
    first = client.get("/outbox").get_data(as_text=True)
    assert "Showing 1–2 of 5" in first
    assert 'href="/outbox?page=2"' in first and 'href="/outbox?page=3"' in first
    last = client.get("/outbox?page=3").get_data(as_text=True)
    assert "Message number 0" in last and "Message number 4" not in last


def test_outbox_empty_state_says_what_happens_next(client):
    login(client, f.person(None, Role.TEAM_MEMBER))
    db.session.commit()
    page = client.get("/outbox").get_data(as_text=True)
    assert "No notifications yet" in page


def test_outbox_needs_login(client):
    response = client.get("/outbox")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_outbox_is_not_found_in_production(app, client):
    app.config.update(OUTBOX_VISIBLE=False, DEBUG=False)
    me = f.person(None, Role.TEAM_MEMBER)
    db.session.commit()
    login(client, me)
    assert client.get("/outbox").status_code == 404


def test_production_settings_hide_the_outbox_by_default():
    from config.settings import DevelopmentConfig, ProductionConfig, TestingConfig

    assert DevelopmentConfig.OUTBOX_VISIBLE and TestingConfig.OUTBOX_VISIBLE
    assert not ProductionConfig.OUTBOX_VISIBLE
