"""tools/local/web_server.py: the web client's files, its config.json and its sign-ins.

The tests talk to WebServers on free loopback ports (hence `integration`): what they
serve and with which headers, what they refuse to serve, the bounds of the local-only
token endpoint, and the stand-in for Cognito's hosted UI on a user pool in moto's server.
"""

import http.client
import io
import json
import socket
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tests.support.stack import HOST, free_port, loopback_session
from tools.deploy.stage import environment
from tools.local.emulator import Emulator
from tools.local.hosted_ui import HostedUi, s256
from tools.local.user_pool import local_pool
from tools.local.web_server import MAX_TTL_SECONDS, WEB_DIR, WebServer

LOCAL = environment("local")
API_URL = "http://127.0.0.1:8000"
SECRET_TEXT = "outside-the-web-root"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server of a web root with what a careless server would leak: a file beside it, a
    link out of it, a sub-directory, a hidden file and a file of a type the client is not
    made of."""
    tmp_path = tmp_path_factory.mktemp("site")
    root = tmp_path / "web"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    (root / "app.js").write_text("export {};")
    (tmp_path / "secret.txt").write_text(SECRET_TEXT)
    (tmp_path / "secret.js").write_text(SECRET_TEXT)
    (root / "link.js").symlink_to(tmp_path / "secret.js")
    (root / "sub").mkdir()
    (root / "sub" / "inner.js").write_text("export {};")
    (root / ".hidden.js").write_text(SECRET_TEXT)
    (root / "notes.txt").write_text(SECRET_TEXT)
    server = WebServer(API_URL, LOCAL, root=root)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def web():
    """The server of the real client, shared: it keeps no state between requests."""
    server = WebServer(API_URL, LOCAL)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def session():
    with loopback_session() as client:
        yield client


def raw_request(server, method, path, body=None, headers=None):
    """One request exactly as written: no client library normalising the path first."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=5)
    try:
        connection.putrequest(
            method, path, skip_host="Host" in (headers or {}), skip_accept_encoding=True
        )
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/api.js", "text/javascript; charset=utf-8"),
        ("/auth.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        ("/config.json", "application/json"),
    ],
)
def test_serves_the_clients_files_with_their_content_types(web, session, path, content_type):
    response = session.get(web.url + path, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    if path not in ("/", "/config.json"):
        assert response.content == (WEB_DIR / path.lstrip("/")).read_bytes()


def test_the_root_is_the_index_page(web, session):
    assert session.get(web.url + "/", timeout=5).content == (WEB_DIR / "index.html").read_bytes()


def test_config_names_the_api_and_the_local_sign_in(web, session):
    assert session.get(web.url + "/config.json", timeout=5).json() == {
        "apiUrl": API_URL,
        "identity": "local",
        "tokenUrl": "/local/token",
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/config.json", None),
        ("GET", "/no-such-file.js", None),
        ("POST", "/local/token", {"user": "alice"}),
        ("POST", "/local/token", {"user": ""}),
    ],
)
def test_every_answer_carries_the_csp_nosniff_and_no_store(web, session, method, path, body):
    response = session.request(method, web.url + path, json=body, timeout=5)
    assert_the_servers_headers(response.headers)


def assert_the_servers_headers(headers):
    """What every answer of the web server carries, whatever it answers."""
    directives = dict(
        directive.strip().split(" ", 1)
        for directive in headers["Content-Security-Policy"].split(";")
    )
    assert directives == {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        # The page may talk to itself (config, sign-in) and to the API, nowhere else.
        "connect-src": f"'self' {API_URL}",
        "form-action": "'self'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
    }
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Server"] == "todo-web"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../secret.js",
        "/%2e%2e/secret.js",
        "/%2E%2E%2Fsecret.js",
        "/..%2fsecret.js",
        "/sub/../../secret.js",
        "//" + "etc/passwd",
        "/link.js",  # a symlink to a file outside the root
        "/.hidden.js",
        "/notes.txt",  # not a type the client is made of
        "/index.html%00.js",
    ],
)
def test_nothing_outside_the_clients_own_files_is_served(site, path):
    status, headers, body = raw_request(site, "GET", path)
    assert status == 404, path
    assert SECRET_TEXT.encode() not in body
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "NotFound"


@pytest.mark.parametrize("length", [255, 256, 4096])
def test_a_path_segment_too_long_for_a_file_name_is_a_json_404(web, length):
    # 255 characters is the longest file name most file systems take.
    status, headers, body = raw_request(web, "GET", "/" + "a" * (length - 3) + ".js")
    assert status == 404
    assert json.loads(body)["code"] == "NotFound"
    assert_the_servers_headers(headers)
    assert raw_request(web, "GET", "/app.js")[0] == 200


def exchange(server, raw):
    """Sends raw bytes on a connection of its own; all the server answers until it closes."""
    with socket.create_connection((HOST, server.port), timeout=5) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GARBAGE\r\n", 400),
        (b"GET /?secret=hunter2 HTTP/1.1 x\r\n", 400),
        (b"POST /?secret=hunter2\r\n", 400),
        (b"BREW /?secret=hunter2 HTTP/1.1\r\n", 501),
        (b"GET /?secret=hunter2 HTTP/9.9\r\n", 505),
        (b"GET /?secret=hunter2" + b"2" * 70000 + b" HTTP/1.1\r\n", 414),
        (b"GET / HTTP/1.1\r\nX-Secret: hunter2" + b"2" * 70000 + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"X-Secret: hunter2\r\n" * 101, 431),
    ],
)
def test_a_malformed_request_is_json_with_the_servers_headers_and_quotes_nothing(web, head, status):
    response = exchange(web, head + f"Host: {HOST}:{web.port}\r\n\r\n".encode())
    message = http.client.HTTPResponse(FakeSocket(response))
    message.begin()
    body = message.read()
    assert message.status == status
    assert message.headers["Content-Type"] == "application/json"
    assert set(json.loads(body)) == {"message", "code"}
    assert_the_servers_headers(message.headers)
    assert b"hunter2" not in response


class FakeSocket:
    """Raw bytes received, as http.client reads a response from a socket."""

    def __init__(self, data):
        self._file = io.BytesIO(data)

    def makefile(self, *_args, **_kwargs):
        return self._file


def test_the_access_log_names_paths_without_their_query_strings(web, capfd):
    for path in ("/?code=s3cret-code", "/app.js?token=s3cret-token"):
        raw_request(web, "GET", path)
    exchange(web, b"GET /?k=s3cret-line HTTP/1.x\r\n\r\n")
    log = capfd.readouterr().err
    assert "s3cret" not in log
    assert '"GET /app.js" 200' in log


@pytest.mark.parametrize("path", ["/sub", "/sub/", "/sub/."])
def test_directories_are_not_listed(site, path):
    status, _, body = raw_request(site, "GET", path)
    inner_status, _, _ = raw_request(site, "GET", "/sub/inner.js")
    assert status == 404
    assert b"inner.js" not in body
    assert inner_status == 200, "a file in a sub-directory is served; its directory is not"


def test_a_request_for_another_host_is_refused_so_dns_rebinding_gets_no_token(web):
    status, _, body = raw_request(
        web,
        "POST",
        "/local/token",
        body=b'{"user": "alice"}',
        headers={"Host": f"attacker.example:{web.port}", "Content-Type": "application/json"},
    )
    assert status == 403
    assert json.loads(body)["code"] == "UnknownHost"
    assert b"access_token" not in body


def test_localhost_by_name_is_its_own_host_too(web):
    status, _, _ = raw_request(web, "GET", "/", headers={"Host": f"localhost:{web.port}"})
    assert status == 200


def claims_of(token):
    return jwt.decode(
        token,
        LOCAL["JWT_SECRET"],
        algorithms=["HS256"],
        audience=LOCAL["JWT_AUDIENCE"],
        issuer=LOCAL["JWT_ISSUER"],
    )


def test_local_sign_in_gives_a_local_stage_token_for_the_user_valid_an_hour(web, session):
    response = session.post(web.url + "/local/token", json={"user": "alice"}, timeout=5)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == MAX_TTL_SECONDS
    claims = claims_of(body["access_token"])
    assert claims["sub"] == "alice"
    assert claims["exp"] - claims["iat"] == MAX_TTL_SECONDS


@pytest.mark.parametrize(("user", "ttl"), [("b" * 256, 1), ("zoë ✓", 3600), ("carol", 60)])
def test_local_sign_in_accepts_any_lifetime_within_its_bounds(web, session, user, ttl):
    response = session.post(web.url + "/local/token", json={"user": user, "ttl": ttl}, timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == ttl
    claims = claims_of(response.json()["access_token"])
    assert claims["sub"] == user
    assert claims["exp"] - claims["iat"] == ttl


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user": ""},
        {"user": "   "},
        {"user": "b" * 257},
        {"user": 42},
        {"user": "\ud800"},
        {"user": "alice", "ttl": 0},
        {"user": "alice", "ttl": -60},
        {"user": "alice", "ttl": MAX_TTL_SECONDS + 1},
        {"user": "alice", "ttl": "60"},
        {"user": "alice", "ttl": 1.5},
        {"user": "alice", "ttl": True},
        ["alice"],
    ],
)
def test_local_sign_in_refuses_a_bad_user_or_lifetime_with_a_400(web, session, body):
    response = session.post(web.url + "/local/token", json=body, timeout=5)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "InvalidRequest"
    assert "access_token" not in response.text


def test_local_sign_in_refuses_a_body_that_is_not_json(web, session):
    response = session.post(
        web.url + "/local/token",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json() == {"message": "The body is not JSON", "code": "InvalidRequest"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_local_sign_in_takes_json_only_so_other_sites_cannot_post_a_simple_form(web, content_type):
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    status, _, body = raw_request(web, "POST", "/local/token", b'{"user": "alice"}', headers)
    assert status == 415
    assert json.loads(body)["code"] == "UnsupportedMediaType"


def test_local_sign_in_refuses_a_large_body_and_one_without_a_length(web):
    headers = {"Content-Type": "application/json"}
    large = json.dumps({"user": "a", "pad": "x" * 2000}).encode()
    assert raw_request(web, "POST", "/local/token", large, headers)[0] == 413
    assert raw_request(web, "POST", "/local/token", None, headers)[0] == 411


@pytest.mark.parametrize(
    "framing",
    [
        {"Content-Length": ["13", "14"]},  # two lengths: which one frames the body?
        {"Content-Length": ["+13"]},
        {"Content-Length": ["13"], "Transfer-Encoding": ["chunked"]},
    ],
)
def test_local_sign_in_refuses_an_ambiguous_body_framing(web, framing):
    connection = http.client.HTTPConnection(HOST, web.port, timeout=5)
    try:
        connection.putrequest("POST", "/local/token", skip_accept_encoding=True)
        connection.putheader("Content-Type", "application/json")
        for name, values in framing.items():
            for value in values:
                connection.putheader(name, value)
        connection.endheaders(b'{"user": "a"}')
        response = connection.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status in (400, 411)
    assert "token" not in body


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/local/token", "POST"),
        ("PUT", "/local/token", "POST"),
        ("POST", "/", "GET, HEAD"),
        ("DELETE", "/index.html", "GET, HEAD"),
        ("OPTIONS", "/local/token", "POST"),
    ],
)
def test_other_methods_are_405_with_allow(web, method, path, allow):
    status, headers, body = raw_request(web, method, path)
    assert status == 405
    assert headers["Allow"] == allow
    assert json.loads(body)["code"] == "MethodNotAllowed"


def test_head_answers_like_get_without_a_body(web):
    status, headers, body = raw_request(web, "HEAD", "/app.js")
    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert int(headers["Content-Length"]) == (WEB_DIR / "app.js").stat().st_size
    assert body == b""


def test_it_serves_loopback_only():
    with pytest.raises(ValueError, match="loopback only"):
        WebServer(API_URL, LOCAL, host="0.0.0.0")  # noqa: S104 - the refusal under test


def test_it_signs_in_only_for_a_stage_whose_secret_is_in_its_config():
    with pytest.raises(ValueError, match="secret is in its config"):
        WebServer(API_URL, environment("dev"))


# --- the stand-in for the hosted UI (make run IDENTITY=cognito) -----------------------------

EMAIL = "ann@example.com"
PASSWORD = "Correct-Horse-Battery-9!"
VERIFIER = "a-verifier-of-forty-three-or-more-characters-0123"


@pytest.fixture(scope="module")
def hosted():
    """A WebServer whose sign-in is the hosted UI's stand-in, on a pool in the emulator."""
    emulator = Emulator()
    emulator.start()
    try:
        port = free_port()
        pool = local_pool(emulator.endpoint, f"http://{HOST}:{port}")
        pool.add_user(EMAIL, PASSWORD)
        server = WebServer(API_URL, {}, port=port, hosted_ui=HostedUi.of(pool))
        server.start()
        server.pool = pool
        yield server
        server.stop()
    finally:
        emulator.stop()


def authorize_query(server, **overrides):
    query = {
        "response_type": "code",
        "client_id": server.pool.client_id,
        "redirect_uri": server.redirect_uri,
        "scope": "openid todos/read todos/write",
        "state": 'st"<ate>',
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    return {**query, **overrides}


def signed_in_code(server, session):
    """The code the stand-in redirects back with, after a right email and password."""
    form = {**authorize_query(server), "username": EMAIL, "password": PASSWORD}
    answer = session.post(
        server.url + "/oauth2/authorize", data=form, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == server.redirect_uri
    back = parse_qs(location.query)
    assert back["state"] == ['st"<ate>']
    return back["code"][0]


def trade(server, session, code, verifier=VERIFIER, **overrides):
    form = {
        "grant_type": "authorization_code",
        "client_id": server.pool.client_id,
        "code": code,
        "redirect_uri": server.redirect_uri,
        "code_verifier": verifier,
        **overrides,
    }
    return session.post(server.url + "/oauth2/token", data=form, timeout=10)


def test_hosted_config_tells_the_client_to_sign_in_as_with_cognito(hosted, session):
    assert session.get(hosted.url + "/config.json", timeout=5).json() == {
        "apiUrl": API_URL,
        "identity": "cognito",
        "authorizeUrl": f"{hosted.url}/oauth2/authorize",
        "tokenUrl": f"{hosted.url}/oauth2/token",
        "clientId": hosted.pool.client_id,
        "scopes": ["openid", "todos/read", "todos/write"],
        "redirectUri": f"{hosted.url}/",
        "logoutUrl": f"{hosted.url}/logout",
        "logoutUri": f"{hosted.url}/",
    }


def test_hosted_authorize_shows_a_sign_in_form_that_carries_the_request_on(hosted, session):
    page = session.get(hosted.url + "/oauth2/authorize", params=authorize_query(hosted), timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<label for="username">Email</label>' in page.text
    assert 'name="state" value="st&quot;&lt;ate&gt;"' in page.text  # escaped, not markup
    assert f'name="code_challenge" value="{s256(VERIFIER)}"' in page.text


def test_hosted_code_and_verifier_give_the_pools_tokens_once(hosted, session):
    code = signed_in_code(hosted, session)
    answer = trade(hosted, session, code)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] > 0
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["iss"] == hosted.pool.issuer
    assert claims["client_id"] == hosted.pool.client_id
    assert claims["token_use"] == "access"

    again = trade(hosted, session, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("verifier", "overrides"),
    [
        ("another-verifier-of-forty-three-or-more-characters", {}),
        ("short", {}),
        (VERIFIER, {"client_id": "another-client"}),
        (VERIFIER, {"redirect_uri": "http://127.0.0.1:1/"}),
    ],
)
def test_hosted_token_refuses_a_code_without_its_verifier_and_burns_it(
    hosted, session, verifier, overrides
):
    code = signed_in_code(hosted, session)
    refused = trade(hosted, session, code, verifier, **overrides)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert "access_token" not in refused.text
    assert trade(hosted, session, code).json()["error"] == "invalid_grant"


def test_hosted_token_takes_only_the_code_grant(hosted, session):
    refused = trade(hosted, session, "x", grant_type="password")
    assert refused.status_code == 400
    assert refused.json()["error"] == "unsupported_grant_type"


def test_hosted_sign_in_with_a_wrong_password_shows_the_form_again(hosted, session):
    form = {**authorize_query(hosted), "username": EMAIL, "password": "wrong-Password-1"}
    answer = session.post(
        hosted.url + "/oauth2/authorize", data=form, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 401
    assert "Location" not in answer.headers
    assert "Incorrect email or password." in answer.text
    assert "wrong-Password-1" not in answer.text, "a password is never echoed"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": "another-client"}, "invalid_request"),
        ({"redirect_uri": "https://attacker.example/"}, "invalid_request"),
        ({"response_type": "token"}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "openid admin"}, "invalid_scope"),
    ],
)
def test_hosted_authorize_refuses_what_cognito_refuses_without_redirecting(
    hosted, session, overrides, error
):
    answer = session.get(
        hosted.url + "/oauth2/authorize",
        params=authorize_query(hosted, **overrides),
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert "Location" not in answer.headers


def test_hosted_mode_has_no_local_sign_in(hosted, session):
    answer = session.post(hosted.url + "/local/token", json={"user": "alice"}, timeout=5)
    assert answer.status_code == 405
    assert "access_token" not in answer.text


def authorize_again(server, session, cookie=None):
    """A second authorize, as a browser sends it (with its cookies, or the one given)."""
    return session.get(
        server.url + "/oauth2/authorize",
        params=authorize_query(server),
        cookies={"cognito": cookie} if cookie else None,
        allow_redirects=False,
        timeout=10,
    )


def log_out(server, session, **overrides):
    """/logout as the client calls it; an override of None leaves that parameter out."""
    query = {"client_id": server.pool.client_id, "logout_uri": server.redirect_uri, **overrides}
    query = {name: value for name, value in query.items() if value is not None}
    return session.get(server.url + "/logout", params=query, allow_redirects=False, timeout=10)


def test_hosted_sign_in_opens_a_session_that_signs_in_again_without_a_password(hosted, session):
    first = trade(hosted, session, signed_in_code(hosted, session)).json()
    cookie = next(c for c in session.cookies if c.name == "cognito")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.path == "/"

    again = authorize_again(hosted, session)
    assert again.status_code == 302, again.text
    code = parse_qs(urlsplit(again.headers["Location"]).query)["code"][0]
    second = trade(hosted, session, code)
    assert second.status_code == 200, second.text

    def username(tokens):
        return jwt.decode(tokens["access_token"], options={"verify_signature": False})["username"]

    assert username(second.json()) == username(first)


def test_hosted_logout_ends_the_session_and_returns_to_the_sign_out_url(hosted, session):
    signed_in_code(hosted, session)
    cookie = session.cookies.get("cognito")

    out = log_out(hosted, session)
    assert out.status_code == 302
    assert out.headers["Location"] == hosted.redirect_uri
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    assert session.cookies.get("cognito") is None

    # The form again: the browser forgot the session, and a copy of it is worth nothing.
    for attempt in (authorize_again(hosted, session), authorize_again(hosted, session, cookie)):
        assert attempt.status_code == 200
        assert '<label for="password">Password</label>' in attempt.text


@pytest.mark.parametrize(
    "overrides",
    [
        {"logout_uri": "https://attacker.example/"},
        {"client_id": "another-client"},
        {"logout_uri": None},
    ],
)
def test_hosted_logout_refuses_what_cognito_refuses_and_keeps_the_session(
    hosted, session, overrides
):
    signed_in_code(hosted, session)
    out = log_out(hosted, session, **overrides)
    assert out.status_code == 400
    assert out.json()["error"] == "invalid_request"
    assert "Location" not in out.headers
    assert authorize_again(hosted, session).status_code == 302
