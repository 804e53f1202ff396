from flask import Blueprint

bp = Blueprint("main", __name__)

from hexqi.main import context, routes  # noqa: E402,F401
