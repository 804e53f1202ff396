from flask import Blueprint

bp = Blueprint("team", __name__)

from hexqi.team import routes  # noqa: E402,F401
