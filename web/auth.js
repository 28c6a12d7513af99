// Signing in, and the session it gives. The access token lives in sessionStorage only
// (never localStorage): it goes when the tab goes, and no other tab can read it.

const SESSION_KEY = 'todo-api.session';
const PKCE_KEY = 'todo-api.pkce';

/** {token, user, expiresAt} while a token is held and not expired, else null. */
export function currentSession() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    // Anything unreadable is no session.
  }
  if (!session?.token || !(session.expiresAt > Date.now())) {
    clearSession();
    return null;
  }
  return session;
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

function saveSession(tokenResponse, user) {
  const session = {
    token: tokenResponse.access_token,
    user,
    expiresAt: Date.now() + Number(tokenResponse.expires_in) * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

async function tokenFrom(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(body.message ?? body.error_description ?? body.error ?? 'Sign-in failed.');
  }
  return body;
}

/** The local stage's sign-in (tools/local/web_server.py, `make run` only). */
export async function localSignIn(config, user, ttl) {
  const response = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, ttl }),
  });
  return saveSession(await tokenFrom(response), user);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** RFC 7636's S256: base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function redirectUri(config) {
  return config.redirectUri ?? `${location.origin}${location.pathname}`;
}

function cognitoUrl(config, name, path) {
  return config[name] ?? `https://${config.domain}${path}`;
}

/** Leaves for the hosted UI's authorization code flow with PKCE. */
export async function startCognitoSignIn(config) {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(config),
    scope: (config.scopes ?? []).join(' '),
    state,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${cognitoUrl(config, 'authorizeUrl', '/oauth2/authorize')}?${query}`);
}

/**
 * Leaves for the hosted UI's /logout, which ends its session (else the next person to press
 * "Sign in" here would be signed in as this user, without a password) and sends the browser
 * back to the sign-out URL the pool registers: the page, by default, as the pool does.
 */
export function endCognitoSession(config) {
  const query = new URLSearchParams({
    client_id: config.clientId,
    logout_uri: config.logoutUri ?? redirectUri(config),
  });
  location.assign(`${cognitoUrl(config, 'logoutUrl', '/logout')}?${query}`);
}

function tokenClaims(token) {
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(atob(payload));
  } catch {
    return {};
  }
}

/**
 * Back from the hosted UI with ?code&state: trades the code and the verifier for tokens.
 * Returns the session, or null when the page was not opened by a sign-in.
 */
export async function finishCognitoSignIn(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null');
  sessionStorage.removeItem(PKCE_KEY);
  // The code must not stay in the address bar, the history or a bookmark.
  history.replaceState(null, '', location.pathname);
  if (params.has('error')) {
    throw new Error(params.get('error_description') ?? params.get('error'));
  }
  if (!pending || params.get('state') !== pending.state) {
    throw new Error('This sign-in was not started here; sign in again.');
  }
  const response = await fetch(cognitoUrl(config, 'tokenUrl', '/oauth2/token'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: params.get('code'),
      redirect_uri: redirectUri(config),
      code_verifier: pending.verifier,
    }),
  });
  const tokens = await tokenFrom(response);
  const claims = tokenClaims(tokens.access_token);
  return saveSession(tokens, claims.username ?? claims.sub ?? 'you');
}
