// The todo API as docs/api.md describes it: JSON bodies, ETag and If-Match, paging by
// the Link header, Idempotency-Key on create, errors as {"message", "code"}.

// A create is tried at most this many times; only a lost answer, a 409 or a 503 is retried.
export const CREATE_ATTEMPTS = 3;
const RETRY_BASE_MS = 300;

/** An answer that is not a success: what the API said, and the id to quote to support. */
export class ApiError extends Error {
  constructor(status, message, code, requestId, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** 401 and 403 come from the gateway: the token is missing, expired or refused. */
  get signInRequired() {
    return this.status === 401 || this.status === 403;
  }
}

/** No answer at all: the request may or may not have reached the API. */
export class NetworkError extends Error {
  constructor(cause) {
    super('The API could not be reached. Check your connection and try again.', { cause });
    this.name = 'NetworkError';
  }
}

export function nextLink(linkHeader) {
  const match = /<([^>]*)>\s*;\s*rel="?next"?/.exec(linkHeader ?? '');
  return match ? match[1] : null;
}

function etagOf(todo) {
  return `"${todo.version}"`;
}

async function errorFrom(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // A gateway's answer need not be JSON; the status still says what happened.
  }
  const message = body?.message ?? body?.Message ?? `The API answered ${response.status}.`;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new ApiError(
    response.status,
    message,
    body?.code ?? null,
    response.headers.get('X-Request-Id'),
    Number.isNaN(retryAfter) ? null : retryAfter,
  );
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function retryDelay(attempt, error) {
  if (error.retryAfter != null) return error.retryAfter * 1000;
  return RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
}

function retryable(error) {
  return error instanceof NetworkError || [409, 503].includes(error.status);
}

/**
 * A client of the API at apiUrl. token() gives the current access token; onSignInRequired
 * is told of every 401 or 403 before the error is thrown.
 */
export function createApi({ apiUrl, apiKey, token, onSignInRequired }) {
  const base = apiUrl.replace(/\/+$/, '');
  // Where the stage wants API keys, the application's key goes with every request.
  const keyed = apiKey ? { 'x-api-key': apiKey } : {};

  async function request(method, url, { body, headers = {} } = {}) {
    const init = {
      method,
      cache: 'no-store',
      headers: { Authorization: `Bearer ${token()}`, ...keyed, ...headers },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (cause) {
      throw new NetworkError(cause);
    }
    if (response.ok) return response;
    const error = await errorFrom(response);
    if (error.signInRequired) onSignInRequired(error);
    throw error;
  }

  function todoUrl(todo) {
    return `${base}/todos/${encodeURIComponent(todo.todoId)}`;
  }

  return {
    /** The first page ({limit, checked}) or the page a previous one linked to. */
    async list({ limit, checked, next } = {}) {
      let url = next;
      if (!url) {
        const query = new URLSearchParams({ limit: String(limit) });
        if (checked !== undefined) query.set('checked', String(checked));
        url = `${base}/todos?${query}`;
      }
      const response = await request('GET', url);
      // The link is an absolute path, stage prefix included: resolve it against the origin.
      const link = nextLink(response.headers.get('Link'));
      return { todos: await response.json(), next: link && new URL(link, base).href };
    },

    async get(todo) {
      return (await request('GET', todoUrl(todo))).json();
    },

    /**
     * One user action, one Idempotency-Key: an automatic retry after a lost answer reuses
     * it, so the API creates the todo at most once however many attempts it takes.
     */
    async create(fields, key = crypto.randomUUID()) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const response = await request('POST', `${base}/todos`, {
            body: fields,
            headers: { 'Idempotency-Key': key },
          });
          return await response.json();
        } catch (error) {
          if (!retryable(error) || attempt >= CREATE_ATTEMPTS) throw error;
          await sleep(retryDelay(attempt, error));
        }
      }
    },

    async update(todo, changes) {
      const response = await request('PUT', todoUrl(todo), {
        body: changes,
        headers: { 'If-Match': etagOf(todo) },
      });
      return response.json();
    },

    async remove(todo) {
      await request('DELETE', todoUrl(todo), { headers: { 'If-Match': etagOf(todo) } });
    },
  };
}
