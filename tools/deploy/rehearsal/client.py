"""What a client asks a deployed API through the emulated gateway, and what it must answer.

The README's walk-through (create, list, get, update, delete), each way a request can fail
its authorization, paging with the Link header followed, conditional writes with If-Match,
and a create repeated with its Idempotency-Key. Each answer is kept with the status
DESIGN.md gives it; `Session.failures` lists those that differ.
"""

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from tools.deploy.rehearsal.tokens import Callers

TIMEOUT = 60
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class Answer:
    what: str
    method: str
    path: str
    expected: int
    status: int
    # The start of the body, where the status is not the expected one.
    detail: str = ""


@dataclass
class Session:
    """Requests to one deployed API: `base` is its stage's URL on the emulator."""

    base: str
    host: str
    callers: Callers
    stage_path: str
    answers: list[Answer] = field(default_factory=list)

    def check(self, what: str, holds: bool) -> None:
        """A property of several answers: kept as an answer that expects 1 (holds)."""
        self.answers.append(Answer(what, "", "", 1, int(holds)))

    def call(self, what: str, method: str, path: str, expected: int, **options: Any) -> Any:
        token = options.pop("token", self.callers.owner)
        headers = {"Host": self.host, **options.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if "json" in options:
            headers["Content-Type"] = "application/json"
        answer = requests.request(
            method, self.base + path, headers=headers, timeout=TIMEOUT, **options
        )
        detail = "" if answer.status_code == expected else answer.text[:300]
        self.answers.append(Answer(what, method, path, expected, answer.status_code, detail))
        return answer

    @property
    def failures(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status != answer.expected]


def _auth_outcomes(session: Session) -> None:
    callers = session.callers
    session.call("no token", "GET", "/todos", 401, token="")
    session.call("bad signature", "GET", "/todos", 403, token=callers.bad_signature)
    session.call("expired", "GET", "/todos", 403, token=callers.expired)
    script = 200 if callers.script_accepted else 403
    session.call("HS256, the stage's secret", "GET", "/todos", script, token=callers.script)
    session.call(
        "wrong scope (read only)",
        "POST",
        "/todos",
        403,
        token=callers.read_only,
        json={"text": "not mine to write"},
    )


def _walk_through(session: Session) -> str:
    created = session.call("create", "POST", "/todos", 201, json={"text": "Learn Serverless"})
    todo = created.json()["todoId"] if created.status_code == 201 else "missing"
    session.call("list", "GET", "/todos", 200)
    session.call("get", "GET", f"/todos/{todo}", 200)
    session.call("update", "PUT", f"/todos/{todo}", 200, json={"checked": True})
    session.call("another owner's", "GET", f"/todos/{todo}", 404, token=session.callers.other_owner)
    for what, version, status in (("stale If-Match", 1, 412), ("current If-Match", 2, 200)):
        matched = {"If-Match": f'"{version}"'}
        session.call(what, "PUT", f"/todos/{todo}", status, headers=matched, json={"text": what})
    return str(todo)


def _idempotent_create(session: Session) -> None:
    key = {"Idempotency-Key": f"rehearsal-{uuid.uuid4()}"}
    first = session.call(
        "create with a key", "POST", "/todos", 201, headers=key, json={"text": "once"}
    )
    again = session.call(
        "the same create again", "POST", "/todos", 201, headers=key, json={"text": "once"}
    )
    same = first.status_code == again.status_code == 201 and first.json() == again.json()
    session.check("the repeat returns the first todo", same)
    session.call(
        "the key with another body", "POST", "/todos", 422, headers=key, json={"text": "twice"}
    )


def _paging(session: Session) -> None:
    """Pages of 2 followed by their Link header: each todo seen once, in creation order."""
    for number in range(3):
        session.call("create", "POST", "/todos", 201, json={"text": f"page item {number}"})
    seen: list[str] = []
    path: str | None = "/todos?limit=2"
    while path is not None:
        page = session.call("a page", "GET", path, 200)
        seen += [todo["todoId"] for todo in page.json()] if page.status_code == 200 else ["?"]
        link = _NEXT.search(page.headers.get("Link", ""))
        # The link holds the stage's path prefix, as DESIGN.md says; the base has it too.
        path = link.group(1).removeprefix(session.stage_path) if link else None
    everything = session.call("all at once", "GET", "/todos?limit=100", 200)
    listed = [t["todoId"] for t in everything.json()] if everything.status_code == 200 else []
    session.check("pages add up to the list", listed == seen)


def rehearse_requests(session: Session) -> None:
    """Every request of the rehearsal, on the API behind session."""
    session.call("health", "GET", "/health", 200, token="")
    _auth_outcomes(session)
    todo = _walk_through(session)
    _idempotent_create(session)
    _paging(session)
    session.call("delete", "DELETE", f"/todos/{todo}", 200)
    session.call("get deleted", "GET", f"/todos/{todo}", 404)
