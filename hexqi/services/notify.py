"""Email notifications.

``notify(person, subject, body)`` always records the message in the outbox
table (the development outbox page shows it). When ``MAIL_SERVER`` is set it
also sends the message by SMTP, but only *after the caller's transaction
commits*: a notification about something that was rolled back is never sent.

``notify`` never commits. Call it inside your service, before your own
``db.session.commit()``; the message row commits (or rolls back) with the rest
of your work. A failed send is logged and leaves ``sent_at`` empty; it never
raises into the user's action, which has already been saved.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from logging import Logger
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from hexqi.extensions import db
from hexqi.models import OutboxMessage, Person, utcnow

_PENDING = "hexqi_notify_pending"
SMTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class _Outgoing:
    """What to send once the transaction commits (plain values: rows expire on commit)."""

    message_id: int
    to_email: str
    subject: str
    body: str
    settings: dict[str, Any]
    engine: sa.Engine
    logger: Logger


def notify(person: Person, subject: str, body: str) -> OutboxMessage:
    """Record a message to ``person`` and send it by SMTP after the caller commits.

    Flushes (so the message has an id) but never commits; the caller commits.
    """
    if person.id is None:
        db.session.flush()
    subject = " ".join(subject.split())[:200]  # one line: no header injection
    message = OutboxMessage(to_person_id=person.id, to_email=person.email,
                            subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    config = current_app.config
    if config.get("MAIL_SERVER"):
        settings = {key: config.get(key) for key in (
            "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD",
            "MAIL_FROM")}
        outgoing = _Outgoing(message.id, person.email, subject, body, settings, db.engine,
                             current_app.logger)
        db.session().info.setdefault(_PENDING, []).append(outgoing)
    return message


@sa.event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending: list[_Outgoing] = session.info.pop(_PENDING, [])
    if pending:
        send_now(pending)


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def send_now(batch: list[_Outgoing]) -> list[int]:
    """Send ``batch`` over one SMTP connection; mark what was sent. Never raises."""
    settings, logger = batch[0].settings, batch[0].logger
    sent: list[int] = []
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], int(settings["MAIL_PORT"] or 25),
                          timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if settings["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if settings["MAIL_USERNAME"]:
                smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
            for item in batch:
                try:
                    smtp.send_message(_email(item))
                    sent.append(item.message_id)
                except (smtplib.SMTPException, ValueError):
                    logger.exception("could not send outbox message %s", item.message_id)
    except Exception:  # the user's action is saved; a mail problem must not undo or hide it
        logger.exception("could not send %d outbox message(s) via %s", len(batch),
                         settings["MAIL_SERVER"])
    if sent:
        _mark_sent(batch[0].engine, sent, logger)
    return sent


def _email(item: _Outgoing) -> EmailMessage:
    email = EmailMessage()
    email["From"] = item.settings["MAIL_FROM"]
    email["To"] = item.to_email
    email["Subject"] = item.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="hexqi")
    # Quoted-printable keeps non-ASCII text safe through servers without 8BITMIME.
    email.set_content(item.body, cte=None if item.body.isascii() else "quoted-printable")
    return email


def _mark_sent(engine: sa.Engine, ids: list[int], logger: Logger) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                         .values(sent_at=utcnow()))
    except Exception:
        logger.exception("sent outbox messages %s but could not mark them sent", ids)
