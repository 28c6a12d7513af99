"""The web client (web/) in headless Chromium, against the stack `make run` starts.

One `python -m tools.local.stack` serves the API and, on another port (another origin, so
CORS is real), the client. Each test opens a fresh page (its own sessionStorage) and acts
as an owner of its own, so the tests share the stack without seeing each other's todos.
What the page does is checked on screen and, through the API with the same user's token,
in what is stored. Nothing leaves 127.0.0.1.
"""

import hashlib
import json
import re
from base64 import urlsafe_b64encode
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from playwright.sync_api import Route, expect, sync_playwright

from tests.support.stack import PROJECT_DIR, stack_environment, stack_factory
from tools.browser import executable
from tools.deploy.stage import environment
from tools.local.token import issue_token

LOCAL = environment("local")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
# `make screenshot` copies it to docs/: a test writes no tracked file.
SCREENSHOT = PROJECT_DIR / "build" / "web-client.png"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_factory(tmp_path_factory.mktemp("browser_stack")) as start:
        yield start(stack_environment())


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Chromium (tools.browser's: `make test` installs one) with a fresh profile of its
    own; every test opens its own page in it."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium_profile"),
            executable_path=executable(playwright),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=PHONE,
            device_scale_factor=1,
            locale="en-US",
            timezone_id="UTC",
        )
        context.set_default_timeout(10_000)
        yield context
        context.close()


@pytest.fixture
def page(browser):
    """A fresh tab; the test fails if the page's own code throws."""
    tab = browser.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(error))
    yield tab
    tab.close()
    assert not errors, f"the page threw: {errors}"


def token_for(user):
    return issue_token(user, LOCAL)


def stored_todos(stack, user):
    response = stack.request("GET", "/todos?limit=100", token_for(user))
    assert response.status_code == 200, response.text
    return response.json()


def sign_in(page, stack, user, limit=None, ttl=None):
    page.goto(stack.web_url + (f"/?limit={limit}" if limit else "/"))
    page.get_by_label("User name").fill(user)
    if ttl is not None:
        page.get_by_text("Token lifetime").click()
        page.get_by_label("Seconds, 1 to 3600").fill(str(ttl))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("New todo")).to_be_focused()


def add(page, text):
    page.get_by_label("New todo").fill(text)
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_have_text(f"Added “{text}”.")


def shown_texts(page):
    return page.locator("#list .text")


def test_make_run_prints_where_the_client_is_served(stack):
    assert f"Web:      {stack.web_url}" in stack.output()
    assert stack.web_url != stack.base_url


def test_signs_in_creates_pages_filters_and_edits_with_the_keyboard(page, stack):
    sign_in(page, stack, "browser-alice", limit=2)
    for text in ("Buy milk", "Write the tests", "Ship the client"):
        add(page, text)
    expect(shown_texts(page)).to_have_text(["Buy milk", "Write the tests", "Ship the client"])

    # A new page load: two todos a page, oldest first, the rest behind "More" (Link).
    page.reload()
    expect(shown_texts(page)).to_have_text(["Buy milk", "Write the tests"])
    page.get_by_role("button", name="More").click()
    expect(shown_texts(page)).to_have_text(["Buy milk", "Write the tests", "Ship the client"])
    expect(page.get_by_role("button", name="More")).to_be_hidden()

    page.get_by_role("checkbox", name="Buy milk").check()
    expect(page.get_by_role("status")).to_have_text("Marked “Buy milk” as done.")
    page.get_by_label("Show").select_option("Done")
    expect(shown_texts(page)).to_have_text(["Buy milk"])
    page.get_by_label("Show").select_option("Open")
    expect(shown_texts(page)).to_have_text(["Write the tests", "Ship the client"])

    page.get_by_role("button", name="Edit “Write the tests”").focus()
    page.keyboard.press("Enter")
    editor = page.get_by_role("textbox", name="Text")
    expect(editor).to_be_focused()
    editor.fill("Write the browser tests")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Edit “Write the browser tests”")).to_be_focused()

    stored = {todo["text"]: todo for todo in stored_todos(stack, "browser-alice")}
    assert set(stored) == {"Buy milk", "Write the browser tests", "Ship the client"}
    assert stored["Buy milk"]["checked"] is True
    assert stored["Write the browser tests"]["version"] == 2


def test_a_filter_reads_past_pages_without_a_match_and_says_when_none_does(page, stack):
    user = "browser-jack"
    sign_in(page, stack, user, limit=2)
    for text in ("one", "two", "three", "four", "five"):
        add(page, text)
    filter_ = page.get_by_label("Show")
    more = page.get_by_role("button", name="More")

    # Two todos a page, none done: every page is empty once filtered.
    filter_.select_option("Done")
    expect(page.get_by_text("No done todos.")).to_be_visible()
    expect(more).to_be_hidden()
    expect(shown_texts(page)).to_have_count(0)
    # What was said about the list before is gone with it.
    expect(page.get_by_role("status")).to_have_text("")

    # Done only on the last page: found past the two empty ones.
    five = stored_todos(stack, user)[-1]
    done = stack.request("PUT", f"/todos/{five['todoId']}", token_for(user), json={"checked": True})
    assert done.status_code == 200, done.text
    filter_.select_option("All")
    expect(shown_texts(page)).to_have_text(["one", "two"])
    filter_.select_option("Done")
    expect(shown_texts(page)).to_have_text(["five"])
    expect(more).to_be_hidden()
    expect(page.get_by_text("No done todos.")).to_be_hidden()


def test_a_notice_or_problem_is_cleared_when_the_filter_changes(page, stack):
    sign_in(page, stack, "browser-kate")
    add(page, "Noticed")
    page.get_by_label("Show").select_option("Open")
    expect(page.get_by_role("status")).to_have_text("")
    page.get_by_label("New todo").fill(" ")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    page.get_by_label("Show").select_option("All")
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(shown_texts(page)).to_have_text(["Noticed"])


BLANK = "Write what the todo is: it cannot be only spaces."


def test_a_todo_of_only_white_space_is_refused_plainly_and_never_sent(page, stack):
    user = "browser-kim"
    sign_in(page, stack, user)
    writes = []
    page.on(
        "request",
        lambda r: writes.append(r.method) if r.url.startswith(stack.base_url + "/todos") else None,
    )
    page.get_by_label("New todo").fill(" \t  ")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_have_text(BLANK)
    expect(page.get_by_label("New todo")).to_be_focused()

    add(page, "Real text")
    page.get_by_role("button", name="Edit “Real text”").click()
    page.get_by_role("textbox", name="Text").fill("   ")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text(BLANK)
    expect(page.get_by_role("textbox", name="Text")).to_be_focused()

    assert writes == ["POST"], "only the real todo was sent"
    assert [todo["text"] for todo in stored_todos(stack, user)] == ["Real text"]


@pytest.mark.parametrize("width", [320, 360, 390])
def test_the_edit_row_fits_the_phone_with_save_and_cancel_side_by_side(page, stack, width):
    page.set_viewport_size({"width": width, "height": 740})
    sign_in(page, stack, f"browser-lee-{width}")
    add(page, "Water the plants")
    page.get_by_role("button", name="Edit “Water the plants”").click()
    row = page.locator("#list li").bounding_box()
    text = page.get_by_role("textbox", name="Text").bounding_box()
    due = page.get_by_label("Due date (empty for none)").locator("visible=true").bounding_box()
    save = page.get_by_role("button", name="Save").bounding_box()
    cancel = page.get_by_role("button", name="Cancel").bounding_box()

    assert text["width"] == row["width"], "the text field spans the row"
    for box in (due, save, cancel):
        assert row["x"] <= box["x"]
        assert box["x"] + box["width"] <= row["x"] + row["width"]
    assert save["y"] == cancel["y"], "Save and Cancel share a line"
    if width >= 360:
        assert due["y"] == save["y"], "the date, Save and Cancel share a line"


def test_a_due_date_is_set_when_adding_shown_changed_and_removed(page, stack):
    user = "browser-ivy"
    sign_in(page, stack, user)
    page.get_by_label("New todo").fill("Renew the passport")
    page.get_by_label("Due date (optional)").fill("2026-12-24")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_have_text("Added “Renew the passport”.")
    expect(page.get_by_label("Due date (optional)")).to_have_value("")
    due = page.locator("#list li", has_text="Renew the passport").locator("time.due")
    expect(due).to_have_text("Due Dec 24, 2026")
    expect(due).to_have_attribute("datetime", "2026-12-24")
    assert [todo["dueDate"] for todo in stored_todos(stack, user)] == ["2026-12-24"]

    def edit_due_date(shown, new):
        page.get_by_role("button", name="Edit “Renew the passport”").click()
        editor = page.get_by_label("Due date (empty for none)").locator("visible=true")
        expect(editor).to_have_value(shown)
        editor.fill(new)
        page.keyboard.press("Enter")

    edit_due_date("2026-12-24", "2027-01-31")
    expect(due).to_have_text("Due Jan 31, 2027")
    assert [todo["dueDate"] for todo in stored_todos(stack, user)] == ["2027-01-31"]
    edit_due_date("2027-01-31", "")
    # The editor hides the date at once: the row's view is back when the change is saved.
    expect(page.get_by_role("button", name="Edit “Renew the passport”")).to_be_visible()
    expect(due).to_be_hidden()
    assert [todo["dueDate"] for todo in stored_todos(stack, user)] == [None]

    add(page, "No date at all")
    expect(page.locator("#list li", has_text="No date at all").locator("time.due")).to_be_hidden()
    assert stored_todos(stack, user)[1]["dueDate"] is None


def test_main_screen_fits_a_phone_and_is_the_readmes_screenshot(page, stack):
    sign_in(page, stack, "alice")
    for text in ("Learn Serverless APIs", "Try the web client", "Read docs/api.md"):
        add(page, text)
    page.get_by_role("checkbox", name="Learn Serverless APIs").check()
    expect(page.get_by_role("status")).to_have_text("Marked “Learn Serverless APIs” as done.")
    page.reload()
    expect(shown_texts(page)).to_have_text(
        ["Learn Serverless APIs", "Try the web client", "Read docs/api.md"]
    )
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll), "the page is wider than a 360 px phone"
    page.evaluate("document.activeElement.blur()")
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert SCREENSHOT.stat().st_size > 0


def test_a_change_made_elsewhere_is_a_conflict_the_page_recovers_from(page, stack):
    user = "browser-bob"
    sign_in(page, stack, user)
    add(page, "Call the plumber")
    [todo] = stored_todos(stack, user)
    behind = stack.request(
        "PUT", f"/todos/{todo['todoId']}", token_for(user), json={"text": "Call the plumber today"}
    )
    assert behind.status_code == 200, behind.text

    page.get_by_role("checkbox", name="Call the plumber").check()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("changed elsewhere")
    expect(problem).to_contain_text("(PreconditionFailed) Request id: ")
    # Reloaded: it shows what is stored, and the box what was not saved is cleared.
    box = page.get_by_role("checkbox", name="Call the plumber today")
    expect(box).not_to_be_checked()

    box.check()
    expect(page.get_by_role("status")).to_have_text("Marked “Call the plumber today” as done.")
    [stored] = stored_todos(stack, user)
    assert (stored["text"], stored["checked"], stored["version"]) == (
        "Call the plumber today",
        True,
        3,
    )

    page.get_by_role("button", name="Delete “Call the plumber today”").click()
    expect(page.get_by_role("status")).to_have_text("Deleted “Call the plumber today”.")
    expect(shown_texts(page)).to_have_count(0)
    assert stored_todos(stack, user) == []


def test_a_todo_deleted_elsewhere_leaves_the_page_when_it_is_edited(page, stack):
    user = "browser-dora"
    sign_in(page, stack, user)
    add(page, "Gone soon")
    [todo] = stored_todos(stack, user)
    assert stack.request("DELETE", f"/todos/{todo['todoId']}", token_for(user)).status_code == 200

    page.get_by_role("button", name="Edit “Gone soon”").click()
    page.get_by_role("textbox", name="Text").fill("Too late")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("deleted elsewhere. (TodoNotFound)")
    expect(shown_texts(page)).to_have_count(0)
    assert stored_todos(stack, user) == []


def test_a_create_whose_answer_is_lost_is_retried_with_its_key_and_makes_one_todo(page, stack):
    user = "browser-carol"
    sign_in(page, stack, user)
    keys = []

    def lose_the_first_answer(route: Route):
        if route.request.method != "POST":
            route.fallback()
            return
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the API creates the todo ...
            route.abort("connectionreset")  # ... and the answer never arrives
        else:
            route.continue_()

    page.route(f"{stack.base_url}/todos", lose_the_first_answer)
    add(page, "Only once")
    assert len(keys) == 2
    assert keys[0] == keys[1], "the retry must send the same Idempotency-Key"
    assert [todo["text"] for todo in stored_todos(stack, user)] == ["Only once"]

    add(page, "Only once")  # a new user action is a new todo, with a new key
    # The status already read "Added “Only once”.": wait for the second todo itself.
    expect(shown_texts(page)).to_have_count(2)
    assert len(keys) == 3
    assert keys[2] != keys[0]
    assert [todo["text"] for todo in stored_todos(stack, user)] == ["Only once", "Only once"]


def test_an_expired_token_sends_the_user_back_to_sign_in(page, stack):
    sign_in(page, stack, "browser-erin", ttl=2)
    expect(page.get_by_label("User name")).to_be_visible(timeout=6_000)
    expect(page.get_by_role("alert")).to_have_text(
        "Your sign-in has expired. Please sign in again."
    )
    expect(page.get_by_label("New todo")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0


def test_a_token_the_api_refuses_sends_the_user_back_to_sign_in(page, stack):
    sign_in(page, stack, "browser-frank")
    # The session's token is replaced by one that fails verification: the authorizer's 403.
    page.evaluate(
        """() => {
        const session = JSON.parse(sessionStorage.getItem('todo-api.session'));
        sessionStorage.setItem(
          'todo-api.session', JSON.stringify({ ...session, token: 'not-a-jwt' }));
        }"""
    )
    page.reload()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Please sign in again.")
    assert page.evaluate("sessionStorage.length") == 0


READ_ACROSS_ORIGINS = """async ({ api, token }) => {
  const auth = { Authorization: `Bearer ${token}` };
  const json = { ...auth, 'Content-Type': 'application/json' };
  const post = (text) => fetch(`${api}/todos`, {
    method: 'POST', headers: json, body: JSON.stringify({ text }) });
  const created = await post('one');
  await post('two');
  const listed = await fetch(`${api}/todos?limit=1`, { headers: auth });
  const invalid = await fetch(`${api}/todos?limit=abc`, { headers: auth });
  const anonymous = await fetch(`${api}/todos`);
  const refused = await fetch(`${api}/todos`, { headers: { Authorization: 'Bearer nope' } });
  const seen = async (response) => ({
    status: response.status,
    body: await response.text(),
    etag: response.headers.get('ETag'),
    location: response.headers.get('Location'),
    link: response.headers.get('Link'),
    requestId: response.headers.get('X-Request-Id'),
  });
  return {
    created: await seen(created), listed: await seen(listed), invalid: await seen(invalid),
    anonymous: await seen(anonymous), refused: await seen(refused),
  };
}"""


def test_the_page_reads_the_apis_headers_and_errors_across_origins(page, stack):
    page.goto(stack.web_url)
    assert urlsplit(page.url).port != urlsplit(stack.base_url).port  # another origin
    seen = page.evaluate(
        READ_ACROSS_ORIGINS, {"api": stack.base_url, "token": token_for("browser-gina")}
    )

    created = seen["created"]
    assert created["status"] == 201
    assert created["etag"] == '"1"'
    assert created["location"] == f"/todos/{json.loads(created['body'])['todoId']}"
    assert created["requestId"]
    assert seen["listed"]["link"].startswith("</todos?limit=1&cursor=")
    assert seen["invalid"]["status"] == 400
    assert json.loads(seen["invalid"]["body"])["code"] == "InvalidRequest"
    assert seen["invalid"]["requestId"]
    # The gateway's own answers: readable only if they carry the CORS headers too
    # (tools/local/server.py); otherwise fetch would have thrown.
    assert seen["anonymous"]["status"] == 401
    assert seen["refused"]["status"] == 403


SCAN_THE_TABLE = """async ({ endpoint, table }) => {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'X-Amz-Target': 'DynamoDB_20120810.Scan',
        'Content-Type': 'application/x-amz-json-1.0',
        Authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, '
          + 'SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify({ TableName: table }),
    });
    return `read: ${response.status} ${await response.text()}`;
  } catch {
    return 'refused';
  }
}"""


def test_a_page_of_another_origin_cannot_read_the_emulator(page, stack):
    add_todo = stack.request("POST", "/todos", token_for("browser-ida"), json={"text": "Private"})
    assert add_todo.status_code == 201, add_todo.text
    [endpoint] = re.findall(r"^DynamoDB: (\S+)$", stack.output(), re.MULTILINE)
    # Any page of a loopback origin the emulator is not: here, a document of the API's.
    page.goto(stack.base_url + "/health")
    seen = page.evaluate(SCAN_THE_TABLE, {"endpoint": endpoint, "table": LOCAL["TABLE_NAME"]})
    assert seen == "refused"


def pkce_challenge(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_pkce_challenge_is_rfc_7636s_s256(page, stack):
    page.goto(stack.web_url)
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = page.evaluate("async (v) => (await import('/auth.js')).pkceChallenge(v)", verifier)
    assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" == pkce_challenge(verifier)


def test_cognito_sign_in_is_the_code_flow_with_pkce(page, stack):
    """The hosted UI is played by routes: authorize redirects back with a code, and the
    token endpoint answers only to the verifier whose S256 challenge authorize was sent."""
    web = stack.web_url
    config = {
        "apiUrl": stack.base_url,
        "identity": "cognito",
        "authorizeUrl": f"{web}/oauth2/authorize",
        "tokenUrl": f"{web}/oauth2/token",
        "clientId": "web-client-id",
        "scopes": ["openid", "todos/read", "todos/write"],
    }
    asked = {}

    def authorize(route: Route):
        asked.update({k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()})
        route.fulfill(
            status=302, headers={"Location": f"{web}/?code=the-code&state={asked['state']}"}
        )

    def token(route: Route):
        form = {k: v[0] for k, v in parse_qs(route.request.post_data).items()}
        assert form["grant_type"] == "authorization_code"
        assert form["code"] == "the-code"
        assert form["client_id"] == "web-client-id"
        assert form["redirect_uri"] == asked["redirect_uri"]
        assert pkce_challenge(form["code_verifier"]) == asked["code_challenge"]
        tokens = {"access_token": token_for("browser-hana"), "expires_in": 3600}
        route.fulfill(json=tokens)

    page.route(f"{web}/config.json", lambda route: route.fulfill(json=config))
    page.route(f"{web}/oauth2/authorize?*", authorize)
    page.route(f"{web}/oauth2/token", token)
    page.goto(web)
    page.get_by_role("button", name="Sign in with your account").click()
    expect(page.get_by_label("New todo")).to_be_focused()

    assert asked["response_type"] == "code"
    assert asked["client_id"] == "web-client-id"
    assert asked["code_challenge_method"] == "S256"
    assert asked["scope"] == "openid todos/read todos/write"
    assert asked["redirect_uri"] == f"{web}/"
    assert "code=" not in page.url, "the code must not stay in the address bar"
    expect(page.locator("#who-name")).to_have_text("browser-hana")
    add(page, "Signed in through the hosted UI")
    assert [t["text"] for t in stored_todos(stack, "browser-hana")] == [
        "Signed in through the hosted UI"
    ]


@pytest.fixture(scope="module")
def cognito_stack(tmp_path_factory):
    """`make run IDENTITY=cognito API_KEYS=1`: moto's user pool, and API keys on /todos."""
    with stack_factory(tmp_path_factory.mktemp("cognito_stack")) as start:
        yield start(stack_environment(), "--identity", "cognito", "--api-keys")


def test_make_run_with_cognito_signs_in_through_the_pool_and_sends_the_api_key(page, cognito_stack):
    output = cognito_stack.output()
    user, password = re.search(r"sign in as (\S+) with password (\S+)", output).groups()
    api_key = re.search(r"API key:\s+(\S+)", output).group(1)
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.headers) if r.url.startswith(cognito_stack.base_url) else None,
    )
    page.goto(cognito_stack.web_url)
    page.get_by_role("button", name="Sign in with your account").click()
    expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    page.get_by_label("Email").fill(user)
    page.get_by_label("Password").fill(password + "-wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect email or password.")
    page.get_by_label("Email").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("New todo")).to_be_focused()
    add(page, "Signed in to moto's user pool")

    calls = [headers for headers in sent if "authorization" in headers]
    assert calls
    assert {headers.get("x-api-key") for headers in calls} == {api_key}
    token = calls[-1]["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"].startswith("https://cognito-idp.")
    assert claims["token_use"] == "access"
    keyed = {"x-api-key": api_key}
    stored = cognito_stack.request("GET", "/todos", token, headers=keyed)
    assert [t["text"] for t in stored.json()] == ["Signed in to moto's user pool"]
    assert cognito_stack.request("GET", "/todos", token).status_code == 403


def test_cognito_sign_out_ends_the_hosted_ui_session_so_the_next_person_needs_a_password(
    page, browser, cognito_stack
):
    output = cognito_stack.output()
    user, password = re.search(r"sign in as (\S+) with password (\S+)", output).groups()
    browser.clear_cookies()  # no hosted-UI session left by another test
    page.goto(cognito_stack.web_url)
    sign_in_button = page.get_by_role("button", name="Sign in with your account")
    sign_in_button.click()
    page.get_by_label("Email").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("New todo")).to_be_focused()

    # As Cognito's hosted UI does, the stand-in keeps a session: a second sign-in, from a
    # tab that holds no token, needs no password.
    other = browser.new_page()
    try:
        other.goto(cognito_stack.web_url)
        other.get_by_role("button", name="Sign in with your account").click()
        expect(other.get_by_label("New todo")).to_be_focused()
    finally:
        other.close()

    page.get_by_role("button", name="Sign out").click()
    expect(sign_in_button).to_be_visible()
    expect(page).to_have_url(f"{cognito_stack.web_url}/")
    assert page.evaluate("sessionStorage.getItem('todo-api.session')") is None
    sign_in_button.click()
    expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_label("New todo")).to_have_count(0)
