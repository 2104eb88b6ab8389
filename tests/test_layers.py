"""The layers hold: views, realtime and cli above harvest, harvest above domain, domain above models."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_operation_reports_its_changes_after_the_commit_in_order(ctx):
    """Hiding the spotlighted insight: the spotlight is released, then the insight changes; both
    are reported once the database holds them."""
    import uuid

    from workshop import domain
    from workshop.domain import changes
    from workshop.extensions import db

    session, _key = domain.create_session("Aan tafel", "nl", "wijkaanpak")
    domain.change_state(session, "open")
    participant, _token = domain.join(session, {"table_id": session.tables[0].id})
    data = {"client_id": str(uuid.uuid4()), "table_id": session.tables[0].id, "text": "Luisteren."}
    insight, _ = domain.post_insight(session, participant, data)
    domain.set_spotlight(session, insight.id)
    seen = []

    def subscriber(change):
        # A rollback here undoes nothing: the operation committed before it reported.
        db.session.rollback()
        seen.append((type(change).__name__, insight.status, session.spotlight_insight_id))

    changes.subscribe(subscriber)
    try:
        domain.moderate(session, insight.id, {"status": "hidden"})
    finally:
        changes.subscribers.remove(subscriber)
    assert seen == [
        ("SpotlightChanged", "hidden", None),
        ("InsightChanged", "hidden", None),
    ]
