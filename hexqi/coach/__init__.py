from flask import Blueprint

bp = Blueprint("coach", __name__)

from hexqi.coach import routes  # noqa: E402,F401
