"""A tiny counter service: Flask in front, Redis behind when REDIS_URL is set."""
import os

from flask import Flask, jsonify


def create_app(store=None):
    app = Flask(__name__)
    app.config["store"] = store if store is not None else _default_store()

    @app.get("/health")
    def health():
        return jsonify(status="ok", revision=os.environ.get("REVISION", "unknown"))

    @app.post("/visits/<name>")
    def visit(name):
        return jsonify(name=name, visits=app.config["store"].incr(f"visits:{name}"))

    @app.get("/visits/<name>")
    def visits(name):
        return jsonify(name=name, visits=int(app.config["store"].get(f"visits:{name}") or 0))

    return app


class MemoryStore:
    """Stands in for Redis when none is configured (unit tests, local runs)."""

    def __init__(self):
        self.data = {}

    def incr(self, key):
        self.data[key] = self.data.get(key, 0) + 1
        return self.data[key]

    def get(self, key):
        return self.data.get(key)


def _default_store():
    url = os.environ.get("REDIS_URL")
    if not url:
        return MemoryStore()
    import redis

    return redis.Redis.from_url(url)
