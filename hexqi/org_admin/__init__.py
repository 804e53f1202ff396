from flask import Blueprint

bp = Blueprint("org_admin", __name__)

from hexqi.org_admin import routes  # noqa: E402,F401
