from app import MemoryStore, create_app


def client():
    return create_app(MemoryStore()).test_client()


def test_health():
    response = client().get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_visits_count_up():
    c = client()
    assert c.post("/visits/ada").get_json()["visits"] == 1
    assert c.post("/visits/ada").get_json()["visits"] == 2
    assert c.get("/visits/ada").get_json() == {"name": "ada", "visits": 2}


def test_unknown_name_has_no_visits():
    assert client().get("/visits/nobody").get_json()["visits"] == 0
