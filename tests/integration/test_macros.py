"""The shared macros render accessible markup for every kind of field and list."""

from __future__ import annotations

import re

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired

from hexqi.extensions import db
from hexqi.main.forms import MultiCheckboxField, show_error
from hexqi.models import OutboxMessage, RequestStatus
from hexqi.services.errors import InvalidInput


class SampleForm(FlaskForm):
    title = StringField("Project title", validators=[DataRequired("Enter a title.")])
    aim = TextAreaField("Aim")
    urgent = BooleanField("This is urgent")
    mode = RadioField("How to meet", choices=[SelectChoice("virtual", "Online"),
                                             SelectChoice("in_person", "In person")])
    slots = MultiCheckboxField("Half-days", choices=[SelectChoice("mon-am", "Monday morning"),
                                                     SelectChoice("wed-pm", "Wednesday afternoon")])


def render(source, **context):
    return render_template_string('{% import "_macros.html" as m %}' + source, **context)


def test_field_links_help_and_errors_to_the_input(app):
    with app.test_request_context(method="POST", data={"title": ""}):
        form = SampleForm()
        form.validate()
        html = render("{{ m.field(form.title, help='A short name') }}", form=form)
    assert '<label for="title">Project title</label>' in html
    assert 'id="title-help"' in html and 'id="title-error"' in html
    assert 'aria-describedby="title-help title-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Enter a title." in html
    # label, then help, then error, then the input
    assert html.index("<label") < html.index("title-help") < html.index(
        'id="title-error"') < html.index("<input")


def test_optional_fields_say_so_and_textareas_render(app):
    with app.test_request_context():
        html = render("{{ m.field(form.aim) }}", form=SampleForm())
    assert "(optional)" in html
    assert '<textarea id="aim" name="aim">' in html


def test_checkbox_radio_and_multi_checkbox_fields(app):
    with app.test_request_context():
        form = SampleForm()
        check = render("{{ m.field(form.urgent) }}", form=form)
        radio = render("{{ m.field(form.mode) }}", form=form)
        multi = render("{{ m.field(form.slots, help='Choose any') }}", form=form)
    assert re.search(r'<input[^>]*type="checkbox"[^>]*> <label for="urgent">', check)
    assert "<fieldset" in radio and "<legend>How to meet" in radio
    assert radio.count('type="radio"') == 2
    assert '<label for="mode-0">Online</label>' in radio
    assert "<fieldset" in multi and multi.count('type="checkbox"') == 2
    assert 'aria-describedby="slots-help"' in multi
    assert "Wednesday afternoon" in multi


def test_show_error_puts_a_service_error_beside_its_field_or_on_top(app):
    with app.test_request_context(method="POST", data={"title": "QI", "mode": "virtual"}):
        form = SampleForm()
        assert form.validate()
        show_error(form, InvalidInput("That title is taken.", field="title"))
        show_error(form, InvalidInput("The round has closed."))
        html = render("{{ m.error_summary(form) }}{{ m.field(form.title) }}", form=form)
    assert '<a href="#title">Project title: That title is taken.</a>' in html
    assert "<li>The round has closed.</li>" in html
    assert 'id="title-error"' in html


def test_status_badge_says_the_status_in_words(app):
    with app.test_request_context():
        html = render("{{ m.status_badge(s) }} {{ m.status_badge('proposed', 'Waiting') }}",
                      s=RequestStatus.WITHDRAWN)
    assert '<span class="badge badge-withdrawn">Withdrawn</span>' in html
    assert '<span class="badge badge-proposed">Waiting</span>' in html


def test_empty_state_csrf_button_and_hours(app):
    with app.test_request_context():
        html = render("{{ m.empty_state('No requests yet.', '/team/new', 'Ask for support') }}"
                      "{{ m.csrf_button('/coach/matches/3/accept', 'Accept', 'button') }}"
                      "[{{ m.hours(90) }}][{{ m.hours(-120) }}]"
                      "[{{ m.hours(0) }}][{{ m.hours(-1) }}]")
    assert "No requests yet." in html and 'href="/team/new"' in html
    assert 'method="post" action="/coach/matches/3/accept"' in html
    assert 'name="csrf_token"' in html
    assert "[1.5 h][-2 h][0 h][0 h]" in html


def test_pagination_links_keep_filters(app):
    for i in range(7):
        db.session.add(OutboxMessage(to_email=f"p{i}@example.org", subject="s", body="b"))
    db.session.commit()
    import sqlalchemy as sa

    with app.test_request_context():
        page = db.paginate(sa.select(OutboxMessage).order_by(OutboxMessage.id), page=2,
                           per_page=3)
        html = render("{{ m.pagination(page, 'main.outbox', status='open') }}", page=page)
    assert "Showing 4–6 of 7" in html
    assert 'href="/outbox?page=1&amp;status=open"' in html
    assert 'href="/outbox?page=3&amp;status=open"' in html
    assert 'aria-current="page"' in html
