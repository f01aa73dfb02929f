// The hub's HTTP API as the dashboard uses it (docs/http.md, docs/dashboard.md).
// Requests go to the same origin with the session cookie (HttpOnly: the page never sees
// it); every changing request carries X-Larder-CSRF with the value the session's answer
// gave. The csrf value lives in memory and in sessionStorage (this tab only), so a reload
// resumes; GET /api/v1/session gives it again when sessionStorage is empty.
import { t } from './i18n.js';

const CSRF_KEY = 'larder.csrf';

// An API refusal or a failed request: `status` is the HTTP status (0: no answer),
// `code` and `message` come from the hub's {"error":{"code","message"}}.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

function storedCsrf() {
  try {
    return sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

function storeCsrf(value) {
  try {
    if (value) sessionStorage.setItem(CSRF_KEY, value);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // storage switched off: the value stays in memory only
  }
}

export class Api {
  // onUnauthorized(error): called when a request of a signed-in page answers 401.
  // onRightChanged(right): called when the session's right changed behind the page's back
  // (another tab of the same browser signed in again, with another token).
  constructor(onUnauthorized, onRightChanged) {
    this.csrf = storedCsrf();
    this.right = null;
    this.onUnauthorized = onUnauthorized;
    this.onRightChanged = onRightChanged;
  }

  // A changing request refused with 403 may have carried a stale session: another tab of
  // the same browser signed in again, so the cookie (shared) names a new session whose
  // CSRF value and right this page does not know yet. The session is read again, and the
  // request is sent once more when the CSRF value changed.
  async request(method, path, body, options = {}) {
    try {
      return await this.send(method, path, body, options);
    } catch (e) {
      if (e.status !== 403 || method === 'GET' || options.retried) throw e;
      const before = this.csrf;
      const right = this.right;
      let session = null;
      try {
        session = await this.send('GET', '/api/v1/session', undefined, { quiet401: true });
      } catch (err) {
        if (err.status !== 401) throw e;  // the refusal stands: the session was not read
        // The session has ended: that is the answer.
        if (!options.quiet401 && this.onUnauthorized) this.onUnauthorized(err);
        throw err;
      }
      this.adopt(session);
      if (this.right !== right && this.onRightChanged) this.onRightChanged(this.right);
      if (this.csrf === before) throw e;
      return this.send(method, path, body, { ...options, retried: true });
    }
  }

  async send(method, path, body, { quiet401 = false } = {}) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && this.csrf) headers['X-Larder-CSRF'] = this.csrf;
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'unreachable', t('dashboard.error.no_answer', { reason: e.message }));
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const err = data && data.error ? data.error : {};
      const error = new ApiError(response.status, err.code || 'http_' + response.status,
        err.message || t('dashboard.error.http', { status: `${response.status} ${response.statusText}`.trim() }));
      if (response.status === 401 && !quiet401 && this.onUnauthorized) this.onUnauthorized(error);
      throw error;
    }
    return data;
  }

  get(path, params) {
    const q = params ? new URLSearchParams(params).toString() : '';
    return this.request('GET', q ? `${path}?${q}` : path);
  }

  post(path, body) {
    return this.request('POST', path, body === undefined ? {} : body);
  }

  // ---- Session ----

  // The open session ({right, via, csrf, expires}), or null when there is none.
  async resume() {
    try {
      const s = await this.request('GET', '/api/v1/session', undefined, { quiet401: true });
      this.adopt(s);
      return s;
    } catch (e) {
      if (e.status === 401) {
        this.forget();
        return null;
      }
      throw e;
    }
  }

  async signIn(token) {
    const s = await this.request('POST', '/api/v1/session', { token }, { quiet401: true });
    this.adopt(s);
    return s;
  }

  // Ends the session. The cookie is HttpOnly, so only the hub can end it: a refusal or no
  // answer throws and keeps everything (the session is still valid), a 401 means it had
  // ended already.
  async signOut() {
    try {
      await this.request('DELETE', '/api/v1/session', undefined, { quiet401: true });
    } catch (e) {
      if (e.status !== 401) throw e;
    }
    this.forget();
  }

  adopt(session) {
    if (session && typeof session.csrf === 'string') {
      this.csrf = session.csrf;
      storeCsrf(session.csrf);
    }
    this.right = session && session.right ? session.right : null;
  }

  forget() {
    this.csrf = null;
    this.right = null;
    storeCsrf(null);
  }

  get admin() {
    return this.right === 'admin';
  }

  // ---- Words ----

  // The household's locale, currency, zone and the dashboard's words (read right).
  dashboard() {
    return this.get('/api/v1/dashboard');
  }

  // The dashboard's words in the language of `tag` (anyone; for the sign-in form).
  texts(tag) {
    return this.get('/api/v1/dashboard/texts', tag ? { lang: tag } : null);
  }

  // ---- Data ----

  consumables() {
    return this.get('/api/v1/consumables');
  }

  consumable(id) {
    return this.get(`/api/v1/consumables/${encodeURIComponent(id)}`);
  }

  orders() {
    return this.get('/api/v1/orders');
  }

  order(id) {
    return this.get(`/api/v1/orders/${encodeURIComponent(id)}`);
  }

  cancelOrder(id) {
    return this.post(`/api/v1/orders/${encodeURIComponent(id)}/cancel`);
  }

  confirmOrder(id) {
    return this.post(`/api/v1/orders/${encodeURIComponent(id)}/confirm`);
  }

  deliveries() {
    return this.get('/api/v1/deliveries');
  }

  // Events after sequence number `after` (all recent ones when it is null).
  events(after) {
    return this.get('/api/v1/events', after === null || after === undefined ? null : { after });
  }
}
