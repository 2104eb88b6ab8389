"""The console's phone count (`presence`), kept per session as phones connect and leave."""


def test_presence_counts_phones_of_this_session_only(api, sockets):
    created = api.create_session()
    other = api.create_session(title="Andere sessie")
    table_id = created["tables"][0]["id"]
    console = sockets(created["code"], "facilitator", created["facilitator_key"])
    first = sockets(created["code"], "participant", api.join(created["code"], table_id)["token"])
    console.wait_for("presence", lambda p: p["phones"] == 1)
    sockets(other["code"], "participant", api.join(other["code"])["token"])
    sockets(created["code"], "wall")
    second = sockets(created["code"], "participant", api.join(created["code"], table_id)["token"])
    console.wait_for("presence", lambda p: p["phones"] == 2)
    first.close()
    console.wait_for("presence", lambda p: p["phones"] == 1)
    second.close()
    console.wait_for("presence", lambda p: p["phones"] == 0)
    assert max(p["phones"] for p in console.received("presence")) == 2


def test_a_console_that_connects_late_reads_the_phones_already_online(api, sockets):
    """A reloaded console showed 0 until a phone came or went: it gets the count with its state."""
    created = api.create_session()
    code, table_id = created["code"], created["tables"][0]["id"]
    for _ in range(2):
        sockets(code, "participant", api.join(code, table_id)["token"])
    first = sockets(code, "facilitator", created["facilitator_key"])
    first.wait_for("presence", lambda p: p["phones"] == 2)
    first.close()
    reloaded = sockets(code, "facilitator", created["facilitator_key"])
    assert reloaded.wait_for("presence", timeout=3)["phones"] == 2
    names = [name for name, _ in reloaded.events]
    assert names.index("presence") > names.index("spotlight")  # after the first state
