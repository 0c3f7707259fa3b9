// A client of the Drawbridge signaling protocol (docs: PROTOCOL.md).
//
// It gets a token, keeps one Server-Sent-Events stream open, joins and leaves
// rooms and relays JSON messages to room-mates. It knows nothing of WebRTC or
// drawing, so any app that needs "who is in this room, and pass them a note"
// can reuse it.
//
// Events (this is an EventTarget; each event's `detail` is shown):
//   connected   {user, resumed}  a stream is open; `resumed` is false only on the first one
//   add-peer    {peer, roomId, offer}
//   remove-peer {peer, roomId}
//   message     {event, peer, data}  any relayed event
//   resync      {reason}         the server lost events for us: rebuild peer state
//   status      {status}         'connecting' | 'open' | 'reconnecting' | 'replaced' | 'closed'

const EVENT_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const SERVER_EVENTS = ['connected', 'ping', 'add-peer', 'remove-peer', 'resync', 'replaced', 'reconnect'];

// Refresh the token this long before it expires (at most).
const REFRESH_MARGIN_MS = 60_000;
// When the browser gives up on a stream (e.g. its token expired), open a new
// one after this delay, growing up to the maximum while failures repeat.
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

export class HttpError extends Error {
  constructor(status, body) {
    super(`${status} ${body?.error ?? ''}: ${body?.message ?? ''}`);
    this.status = status;
    this.code = body?.error;
    this.retryAfterMs = undefined; // set from Retry-After on a 429
  }
}

export class SignalingClient extends EventTarget {
  #baseUrl;
  #username;
  #token = null;
  #user = null;
  #source = null;
  #rooms = new Set();
  #refreshTimer = null;
  #retryTimer = null;
  #retryMs = RETRY_MIN_MS;
  #everConnected = false;
  #lastEventId = ''; // the id of the last event of our sequence: where a new stream resumes
  #closed = false;
  #customEvents = new Set();

  /**
   * @param {object} options
   * @param {string} options.username shown to the other peers
   * @param {string} [options.baseUrl] the server's origin; the page's own by default
   * @param {string[]} [options.events] names of relayed events the app listens to
   *   (an EventSource only reports the event names it was asked for)
   */
  constructor({ username, baseUrl = '', events = [] }) {
    super();
    this.#username = username;
    this.#baseUrl = baseUrl;
    for (const name of events) this.#customEvents.add(name);
  }

  /** The user the server knows us as ({id, username}), once connected. */
  get user() { return this.#user; }

  /** When the current token expires (ms since the epoch), or null if it does not say. */
  get tokenExpiresAt() {
    const exp = jwtClaims(this.#token)?.exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  }

  /** Gets a token and opens the stream; resolves with our user on the first `connected`. */
  async connect() {
    const { token } = await this.#post('/access', { username: this.#username }, false);
    this.#setToken(token);
    const connected = new Promise((resolve) => {
      this.addEventListener('connected', (e) => resolve(e.detail.user), { once: true });
    });
    this.#openStream();
    return connected;
  }

  /** Joins a room. Joining again is harmless (the server ignores it). */
  async join(roomId) {
    this.#rooms.add(roomId);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#post(`/${encodeURIComponent(roomId)}/join`, {});
      } catch (e) {
        // The stream may still be settling on the server side (or resuming): try again.
        if (e.code !== 'not_connected' || attempt >= 10) throw e;
        await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      }
    }
  }

  async leave(roomId) {
    this.#rooms.delete(roomId);
    await this.#post(`/${encodeURIComponent(roomId)}/leave`, {});
  }

  /**
   * Sends `data` (any JSON value) to a room-mate as event `event`. Resolves once the
   * server accepted it; rejects with an HttpError (429 carries `retryAfterMs`).
   */
  relay(peerId, event, data) {
    if (!EVENT_NAME.test(event) || isServerEvent(event)) {
      return Promise.reject(new TypeError(`'${event}' cannot be a relayed event's name`));
    }
    return this.#post(`/relay/${encodeURIComponent(peerId)}/${event}`, data);
  }

  /** Closes the stream for good and tells the rooms we left (best effort). */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#retryTimer);
    for (const roomId of this.#rooms) {
      // keepalive lets the request outlive a page that is being closed.
      fetch(`${this.#baseUrl}/${encodeURIComponent(roomId)}/leave`, {
        method: 'POST', keepalive: true, headers: this.#headers(), body: '{}',
      }).catch(() => {});
    }
    this.#source?.close();
    this.#source = null;
    this.#status('closed');
  }

  // --- stream -------------------------------------------------------------

  #openStream(lastEventId = '') {
    this.#source?.close();
    this.#status(this.#everConnected ? 'reconnecting' : 'connecting');
    const resume = lastEventId ? `&lastEventId=${encodeURIComponent(lastEventId)}` : '';
    const source = new EventSource(`${this.#baseUrl}/connect?token=${encodeURIComponent(this.#token)}${resume}`);
    this.#source = source;
    const on = (name, handler) => source.addEventListener(name, (e) => {
      if (source !== this.#source) return; // a stream we already replaced
      if (e.lastEventId) this.#lastEventId = e.lastEventId;
      handler(e.data ? JSON.parse(e.data) : {}, e.lastEventId);
    });

    on('connected', (data) => this.#onConnected(data));
    on('ping', () => {});
    on('add-peer', (data) => this.#emit('add-peer', data));
    on('remove-peer', (data) => this.#emit('remove-peer', data));
    on('resync', (data) => this.#emit('resync', data));
    on('replaced', () => {
      // Another stream with our identity took over: stop, or the two would fight.
      source.close();
      this.#source = null;
      this.#status('replaced');
    });
    on('reconnect', ({ after_ms: afterMs = 0 }, lastEventId) => {
      // The node is draining, or the stream is over a limit (docs/LIMITS.md): the server closes
      // this stream next, with an SSE retry of afterMs, and the browser's own retry reconnects
      // then, sending Last-Event-ID so the server can resume. Step in only if the stream was
      // somehow never closed (once closed, the open stream later is the browser's new one); a new
      // EventSource cannot set Last-Event-ID, so it goes in the query.
      let dropped = false;
      source.addEventListener('error', () => { dropped = true; }, { once: true });
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => {
        if (!dropped && this.#source === source && source.readyState === EventSource.OPEN) this.#openStream(lastEventId);
      }, afterMs + 2000);
    });
    for (const name of this.#customEvents) {
      on(name, ({ peer, data }) => this.#emit('message', { event: name, peer, data }));
    }

    source.onopen = () => { this.#retryMs = RETRY_MIN_MS; };
    source.onerror = () => {
      if (source !== this.#source || this.#closed) return;
      if (source.readyState === EventSource.CONNECTING) {
        // The browser retries by itself and sends Last-Event-ID, so the server can resume.
        this.#status('reconnecting');
        return;
      }
      // The browser gave up (the server refused the stream, e.g. an expired token).
      this.#status('reconnecting');
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#reopenWithFreshToken(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    };
  }

  async #reopenWithFreshToken() {
    if (this.#closed) return;
    try {
      await this.#refreshToken();
    } catch (e) {
      if (e.status === 401 || e.status === 403) {
        // Too late to refresh: start over as a new peer, with a sequence of its own.
        const { token } = await this.#post('/access', { username: this.#username }, false).catch(() => ({}));
        if (token) {
          this.#setToken(token);
          this.#lastEventId = '';
        }
      }
    }
    // The browser gave up on its stream (a draining node refused it, say): a new EventSource
    // cannot send Last-Event-ID, so the place to resume from goes in the query.
    this.#openStream(this.#lastEventId);
  }

  #onConnected({ user }) {
    const resumed = this.#everConnected;
    const newIdentity = this.#user && this.#user.id !== user.id;
    this.#everConnected = true;
    this.#user = user;
    this.#retryMs = RETRY_MIN_MS;
    this.#status('open');
    this.#emit('connected', { user, resumed, newIdentity });
    // Rejoining is a no-op while we are still a member, and brings us back if the
    // server dropped us while the stream was down.
    if (resumed) for (const roomId of this.#rooms) this.join(roomId).catch(() => {});
  }

  // --- token ---------------------------------------------------------------

  #setToken(token) {
    this.#token = token;
    clearTimeout(this.#refreshTimer);
    const claims = jwtClaims(token);
    if (typeof claims?.exp !== 'number') return;
    // A minute early, or a quarter of the lifetime early for short-lived tokens.
    const lifetimeMs = (claims.exp - (claims.iat ?? claims.exp)) * 1000;
    const marginMs = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4);
    const delay = Math.max(1_000, claims.exp * 1000 - Date.now() - marginMs);
    this.#refreshTimer = setTimeout(() => this.#refreshToken().catch(() => {}), delay);
  }

  async #refreshToken() {
    const { token } = await this.#post('/access/refresh', {});
    this.#setToken(token);
  }

  // --- http ----------------------------------------------------------------

  #headers() {
    const headers = { 'Content-Type': 'application/json' };
    if (this.#token) headers.Authorization = `Bearer ${this.#token}`;
    return headers;
  }

  async #post(path, body, authenticated = true) {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method: 'POST',
      headers: authenticated ? this.#headers() : { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? safeJson(text) : {};
    if (!response.ok) {
      const error = new HttpError(response.status, json);
      const retryAfter = Number(response.headers.get('Retry-After'));
      if (retryAfter > 0) error.retryAfterMs = retryAfter * 1000;
      throw error;
    }
    return json;
  }

  /** GETs a JSON answer with our token (e.g. /config, whose TURN credentials are made for our peer id). */
  async getJson(path) {
    const response = await fetch(`${this.#baseUrl}${path}`, { headers: this.#token ? { Authorization: `Bearer ${this.#token}` } : {} });
    if (!response.ok) throw new HttpError(response.status, safeJson(await response.text()));
    return response.json();
  }

  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  #status(status) { this.#emit('status', { status }); }
}

/** Names a relayed event may not take, because the server uses them. */
export function isServerEvent(name) { return SERVER_EVENTS.includes(name); }

function safeJson(text) {
  try { return JSON.parse(text); } catch { return {}; }
}

/** The claims of a JWT (read only to schedule the refresh; the server checks the signature). */
function jwtClaims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}
