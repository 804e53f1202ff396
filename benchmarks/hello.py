"""A bare Flask "hello" app: the baseline the page benchmark compares against."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
