// A client of the Drawbridge signaling protocol (docs: PROTOCOL.md).
//
// It gets a token, keeps one WebSocket open (docs/WEBSOCKET.md), joins and
// leaves rooms and relays JSON messages to room-mates over it. Where the socket
// cannot open (a proxy that passes plain HTTP only), it falls back by itself to
// one Server-Sent-Events stream and HTTP POSTs, the seed article's transport,
// for the rest of the page's life. It knows nothing of WebRTC or drawing, so any
// app that needs "who is in this room, and pass them a note" can reuse it.
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
// A socket not open by then is taken for one a network holds (and never lets through).
const SOCKET_OPEN_MS = 5_000;
// A socket that keeps failing to open after it once worked: fall back to the stream.
const SOCKET_FAILURES_MAX = 3;
// The stream's reconnection delay, which the server sets for EventSource (retry: 2000).
const SOCKET_RETRY_MS = 2_000;

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
  #transport = 'ws'; // 'ws' until a socket cannot open; then 'sse' (the stream and POSTs)
  #socket = null;
  #socketEverOpen = false;
  #socketFailures = 0;
  #reconnectAfterMs = null; // what the last `reconnect` event asked, for the socket's next open
  #acks = 0;
  #pending = new Map(); // ack -> {resolve, reject}

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

  /** 'ws' (one WebSocket) or 'sse' (an event stream and POSTs): how this client reaches the server. */
  get transport() { return this.#transport; }

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
        return await this.#ask('join', { room: roomId }, `/${encodeURIComponent(roomId)}/join`, {});
      } catch (e) {
        // The stream may still be settling on the server side (or resuming): try again.
        if (e.code !== 'not_connected' || attempt >= 10) throw e;
        await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      }
    }
  }

  async leave(roomId) {
    this.#rooms.delete(roomId);
    await this.#ask('leave', { room: roomId }, `/${encodeURIComponent(roomId)}/leave`, {});
  }

  /**
   * Sends `data` (any JSON value) to a room-mate as event `event`. Resolves once the
   * server accepted it; rejects with an HttpError (429 carries `retryAfterMs`).
   */
  relay(peerId, event, data) {
    if (!EVENT_NAME.test(event) || isServerEvent(event)) {
      return Promise.reject(new TypeError(`'${event}' cannot be a relayed event's name`));
    }
    return this.#ask('relay', { to: peerId, event }, `/relay/${encodeURIComponent(peerId)}/${event}`, data);
  }

  /**
   * Sends `data` as event `event` to every other member of a room we are in, in one message.
   * Resolves with {ok, recipients} once the server accepted it; rejects as relay does.
   */
  broadcast(roomId, event, data) {
    if (!EVENT_NAME.test(event) || isServerEvent(event)) {
      return Promise.reject(new TypeError(`'${event}' cannot be a relayed event's name`));
    }
    return this.#ask('broadcast', { room: roomId, event }, `/${encodeURIComponent(roomId)}/broadcast/${event}`, data);
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
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000);
    this.#status('closed');
  }

  // --- stream -------------------------------------------------------------

  /** Opens the socket, or the event stream once the socket is known not to open here. */
  #openStream(lastEventId = '') {
    if (this.#transport === 'ws' && typeof WebSocket === 'function') this.#openSocket(lastEventId);
    else this.#openEventSource(lastEventId);
  }

  /** What both transports do with a server event; `stop()` ends the transport that got it. */
  #onServerEvent(name, data, lastEventId, stop) {
    switch (name) {
      case 'connected': this.#onConnected(data); break;
      case 'ping': break;
      case 'add-peer': case 'remove-peer': case 'resync': this.#emit(name, data); break;
      case 'replaced':
        // Another stream with our identity took over: stop, or the two would fight.
        stop();
        this.#status('replaced');
        break;
      default:
        if (this.#customEvents.has(name)) this.#emit('message', { event: name, peer: data.peer, data: data.data });
    }
  }

  #openSocket(lastEventId) {
    this.#source?.close();
    this.#source = null;
    this.#status(this.#everConnected ? 'reconnecting' : 'connecting');
    const resume = lastEventId ? `&lastEventId=${encodeURIComponent(lastEventId)}` : '';
    const origin = (this.#baseUrl || location.origin).replace(/^http/, 'ws');
    let socket;
    try {
      socket = new WebSocket(`${origin}/ws?token=${encodeURIComponent(this.#token)}${resume}`);
    } catch {
      this.#socketFailed();
      return;
    }
    this.#socket = socket;
    let opened = false;
    const openTimer = setTimeout(() => { if (!opened) socket.close(); }, SOCKET_OPEN_MS);
    socket.onopen = () => {
      opened = true;
      clearTimeout(openTimer);
      this.#socketEverOpen = true;
      this.#socketFailures = 0;
    };
    socket.onmessage = (e) => {
      if (socket !== this.#socket) return; // a socket we already replaced
      const message = safeJson(e.data);
      if ('status' in message) {
        this.#answered(message);
        return;
      }
      if (message.id) this.#lastEventId = message.id;
      if (message.event === 'reconnect') {
        // The node is draining, or the socket is over a limit: it closes next; come back then.
        this.#reconnectAfterMs = message.data?.after_ms ?? 0;
        return;
      }
      this.#onServerEvent(message.event, message.data ?? {}, message.id, () => {
        this.#socket = null;
        socket.close(1000);
      });
    };
    socket.onclose = () => {
      clearTimeout(openTimer);
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#failPending();
      if (this.#closed) return;
      if (!opened) {
        this.#socketFailed();
        return;
      }
      // Dropped, or closed by the server: resume as EventSource would, after its delay.
      this.#status('reconnecting');
      const delay = this.#reconnectAfterMs ?? SOCKET_RETRY_MS;
      this.#reconnectAfterMs = null;
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#openStream(this.#lastEventId), delay);
    };
  }

  /**
   * A socket did not open. Never opened on this page: the network does not pass WebSockets, so
   * the stream and POSTs take over for good. Opened before: the token may have expired (the
   * upgrade is refused like a stream), so get a fresh one and try again, a few times.
   */
  #socketFailed() {
    if (this.#closed) return;
    if (!this.#socketEverOpen || ++this.#socketFailures >= SOCKET_FAILURES_MAX) {
      this.#transport = 'sse';
      this.#openEventSource(this.#lastEventId);
      return;
    }
    this.#status('reconnecting');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#reopenWithFreshToken(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  #openEventSource(lastEventId = '') {
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

    const stop = () => {
      source.close();
      this.#source = null;
    };
    for (const name of ['connected', 'ping', 'add-peer', 'remove-peer', 'resync', 'replaced', ...this.#customEvents]) {
      on(name, (data, lastEventId) => this.#onServerEvent(name, data, lastEventId, stop));
    }
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

  // --- requests -------------------------------------------------------------

  /**
   * A request of the protocol: a message on the socket while it is open (answered by its ack),
   * otherwise the POST it stands for; either way the same answer, or the same HttpError.
   */
  #ask(op, fields, path, data) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return this.#post(path, data);
    const ack = ++this.#acks;
    return new Promise((resolve, reject) => {
      this.#pending.set(ack, { resolve, reject });
      socket.send(JSON.stringify({ ack, op, ...fields, ...(op === 'relay' || op === 'broadcast' ? { data } : {}) }));
    });
  }

  #answered({ ack, status, retryAfter, body }) {
    const pending = this.#pending.get(ack);
    if (!pending) return;
    this.#pending.delete(ack);
    if (status === 200) {
      pending.resolve(body);
      return;
    }
    const error = new HttpError(status, body);
    if (retryAfter > 0) error.retryAfterMs = retryAfter * 1000;
    pending.reject(error);
  }

  /** The socket closed with requests unanswered: they may or may not have been served. */
  #failPending() {
    for (const { reject } of this.#pending.values()) reject(new HttpError(0, { error: 'disconnected', message: 'the socket closed' }));
    this.#pending.clear();
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
