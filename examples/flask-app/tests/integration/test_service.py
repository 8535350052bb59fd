"""Integration tests: talk to the running service over HTTP, with Redis behind it."""
import json
import os
import urllib.request
import uuid

APP_URL = os.environ.get("APP_URL", "http://app:8000")


def call(method, path):
    request = urllib.request.Request(APP_URL + path, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_service_is_healthy():
    status, body = call("GET", "/health")
    assert status == 200
    assert body["status"] == "ok"


def test_visits_are_counted_in_redis():
    name = uuid.uuid4().hex
    assert call("POST", f"/visits/{name}")[1]["visits"] == 1
    assert call("POST", f"/visits/{name}")[1]["visits"] == 2
    assert call("GET", f"/visits/{name}")[1] == {"name": name, "visits": 2}
