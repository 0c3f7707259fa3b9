// The WebRTC mesh: one RTCPeerConnection with one data channel per room-mate.
//
// Signaling goes through the server's relay (events `session-description` and
// `ice-candidate`). Who offers is decided by the server (`add-peer.offer`), so
// the two sides never offer at once. When a data channel does not open within
// FALLBACK_MS, messages to that peer go through the server's relay instead
// (event `mesh-message`), while the offering side keeps retrying peer-to-peer.
// A message for every peer, when two or more links are on the relay, goes as one room
// broadcast (event `mesh-broadcast`) rather than one relay per peer; a peer that has a
// data channel to the sender gets it on the channel and drops the broadcast's copy.
//
// The mesh promises nothing about delivery across transports: a message sent
// while a link is still connecting is dropped, and messages sent on two
// transports may interleave. The app copes by exchanging what it has every
// time a link becomes `ready` (see model.js), which also heals any loss.
//
// Events (`detail` shown):
//   peer-added   {peer}
//   peer-removed {peer}
//   peer-state   {peer, transport}   'connecting' | 'p2p' | 'relay'
//   ready        {peer, transport}   a transport to this peer became usable
//   message      {peer, message}     a message from a peer, whichever way it came
//   unreadable   {peer, sealed}      a message that could not be authenticated: sealed with
//                                    another key, changed on the way, or (sealed: false) plain
//                                    text in a sealed room; or (sealed: true) sealed in a plain one
//
// With a room key (room-key.js), every mesh message is sealed before it leaves: one
// AES-GCM seal per message, the same sealed text to every peer, in the order the app sent
// them (sealing is asynchronous, so messages wait in one queue). Received messages are
// opened in arrival order per peer; one that does not open is dropped, never delivered.

const FALLBACK_MS = 4000;
const RETRY_MIN_MS = 3000;
const RETRY_MAX_MS = 30_000;
const RELAY_EVENT = 'mesh-message';
const ROOM_EVENT = 'mesh-broadcast';
// The server takes relay bodies up to 64 KiB; leave room for the JSON array around them.
const RELAY_BODY_MAX = 60_000;
// A lossy message (a cursor) is dropped rather than queued behind this many.
const LOSSY_QUEUE_MAX = 2;
// ...or behind this many messages still being sealed.
const LOSSY_SEALING_MAX = 8;

export const MESH_EVENTS = ['session-description', 'ice-candidate', RELAY_EVENT, ROOM_EVENT];

export class Mesh extends EventTarget {
  #signaling;
  #iceServers;
  #iceTransportPolicy;
  #links = new Map(); // peerId -> PeerLink
  #key;
  #sealing = Promise.resolve(); // the queue of outgoing messages being sealed, in send order
  #waitingToSeal = 0;
  #roomId;
  #roomQueue; // broadcasts to the links on the relay, in order

  /**
   * @param {object} options {iceServers, iceTransportPolicy ('all', or 'relay': TURN only),
   *   key: a RoomKey (sealed room) or null (plain room), roomId: the room broadcasts go to}
   */
  constructor(signaling, { iceServers = [], iceTransportPolicy = 'all', key = null, roomId = null } = {}) {
    super();
    this.#signaling = signaling;
    this.#roomId = roomId;
    this.#roomQueue = new RelayQueue(ROOM_EVENT, (event, body) => signaling.broadcast(roomId, event, body));
    this.#iceServers = iceServers;
    this.#iceTransportPolicy = iceTransportPolicy;
    this.#key = key;
    signaling.addEventListener('message', (e) => this.#onSignal(e.detail));
  }

  /** Starts (or restarts) the link to a peer, as `add-peer` says. */
  addPeer(peer, offer) {
    const existing = this.#links.get(peer.id);
    if (existing?.answeredEarly && !offer) {
      // This is the `add-peer` of the offer we already answered: keep that link.
      existing.answeredEarly = false;
      return existing;
    }
    existing?.close();
    const link = new PeerLink(this, peer, offer);
    this.#links.set(peer.id, link);
    this.emit('peer-added', { peer });
    link.start();
    return link;
  }

  removePeer(peerId) {
    const link = this.#links.get(peerId);
    if (!link) return;
    link.close();
    this.#links.delete(peerId);
    this.emit('peer-removed', { peer: link.peer });
  }

  /** Drops every link (e.g. on `resync`); the app then rejoins to get fresh `add-peer`s. */
  removeAll() {
    for (const id of [...this.#links.keys()]) this.removePeer(id);
  }

  /** Sends a JSON message to one peer. `lossy` messages may be dropped under pressure. */
  send(peerId, message, options) {
    this.#transmit(() => [this.#links.get(peerId)], message, options);
  }

  broadcast(message, options) {
    this.#transmit(() => [...this.#links.values()], message, options, true);
  }

  /** Seals (in a sealed room) and sends to the links `targets()` names once sealed. */
  #transmit(targets, message, { lossy = false } = {}, toRoom = false) {
    const deliver = (payload) => {
      const links = targets();
      const relayed = toRoom && this.#roomId ? links.filter((link) => link?.onRelay) : [];
      if (relayed.length < 2) {
        for (const link of links) link?.send(payload, lossy);
        return;
      }
      for (const link of links) if (!link.onRelay) link.send(payload, lossy);
      if (lossy && this.#roomQueue.length >= LOSSY_QUEUE_MAX) return;
      this.#roomQueue.push(ROOM_EVENT, payload);
    };
    if (!this.#key) {
      deliver(message);
      return;
    }
    if (lossy && this.#waitingToSeal >= LOSSY_SEALING_MAX) return;
    this.#waitingToSeal++;
    const sealed = this.#key.seal('mesh', message);
    this.#sealing = this.#sealing.then(() => sealed).then(
      (text) => deliver(text),
      (e) => console.warn('seal', e),
    ).finally(() => { this.#waitingToSeal--; });
  }

  /** A message as it came from a link: opened (in a sealed room) in arrival order, then delivered. */
  receive(link, raw) {
    if (!this.#key) {
      if (typeof raw === 'string') this.emit('unreadable', { peer: link.peer, sealed: true });
      else this.emit('message', { peer: link.peer, message: raw });
      return;
    }
    const opened = typeof raw === 'string' ? this.#key.open('mesh', raw) : Promise.reject(new Error('plain'));
    link.inbox = link.inbox.then(() => opened).then(
      (message) => { if (this.isCurrent(link)) this.emit('message', { peer: link.peer, message }); },
      () => { if (this.isCurrent(link)) this.emit('unreadable', { peer: link.peer, sealed: typeof raw === 'string' }); },
    );
  }

  /** A snapshot of the links, for the people list and the tests. */
  peers() {
    return [...this.#links.values()].map((link) => link.describe());
  }

  // --- internals shared with PeerLink ---------------------------------------

  /** What each new peer connection is made with. */
  get rtcConfiguration() { return { iceServers: this.#iceServers, iceTransportPolicy: this.#iceTransportPolicy }; }
  /** New ICE servers (fresh TURN credentials) for the peer connections made from now on. */
  setIceServers(iceServers) { this.#iceServers = iceServers; }
  get signaling() { return this.#signaling; }
  isCurrent(link) { return this.#links.get(link.peer.id) === link; }
  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  #onSignal({ event, peer, data }) {
    if (!MESH_EVENTS.includes(event)) return;
    let link = this.#links.get(peer.id);
    if (!link && event === 'session-description' && data?.description?.type === 'offer') {
      // The offer overtook our own `add-peer` for this peer: answer it all the same.
      link = this.addPeer(peer, false);
      link.answeredEarly = true;
    }
    if (!link) return;
    if (event === 'session-description') link.onDescription(data).catch((e) => console.warn('sdp', e));
    else if (event === 'ice-candidate') link.onCandidate(data);
    else if (event === ROOM_EVENT && link.onChannel) return; // it came on the channel too
    else link.onRelayed(data);
  }
}

/** Everything about one room-mate: the peer connection, its channel, and the relay queue. */
class PeerLink {
  peer;
  answeredEarly = false; // made for an offer that came before its `add-peer`
  inbox = Promise.resolve(); // received messages being opened, in arrival order
  #mesh;
  #offerer;
  #generation = 0; // bumped by every restart, so late signals of an old attempt are ignored
  #pc = null;
  #channel = null;
  #pendingCandidates = [];
  #transport = 'connecting';
  #fallbackTimer = null;
  #retryTimer = null;
  #retryMs = RETRY_MIN_MS;
  #relayQueue = new RelayQueue(RELAY_EVENT, (event, body) => this.signaling.relay(this.peer.id, event, body));
  #closed = false;
  #addedAt = performance.now();
  #channelOpenedAt = null;

  constructor(mesh, peer, offerer) {
    this.#mesh = mesh;
    this.peer = peer;
    this.#offerer = offerer;
  }

  get signaling() { return this.#mesh.signaling; }
  /** Whether messages to this peer go through the server (the relay, or the room broadcast). */
  get onRelay() { return !this.#closed && this.#transport === 'relay'; }
  /** Whether messages to this peer go on its data channel. */
  get onChannel() { return this.#transport === 'p2p' && this.#channel?.readyState === 'open'; }

  describe() {
    return {
      id: this.peer.id,
      username: this.peer.username,
      transport: this.#transport,
      offerer: this.#offerer,
      connectionState: this.#pc?.connectionState ?? 'new',
      // ms from navigation start (performance.now()) to `add-peer`, and to the first open channel.
      addedAt: this.#addedAt,
      channelOpenedAt: this.#channelOpenedAt,
    };
  }

  start() {
    this.#fallbackTimer = setTimeout(() => {
      if (this.#transport === 'connecting') this.#setTransport('relay');
    }, FALLBACK_MS);
    if (this.#offerer) this.#offer().catch((e) => console.warn('offer', e));
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#fallbackTimer);
    clearTimeout(this.#retryTimer);
    this.#relayQueue.clear();
    this.#teardown();
  }

  send(message, lossy) {
    if (this.#transport === 'p2p' && this.#channel?.readyState === 'open') {
      // Cursors are not worth a growing backlog on a congested channel.
      if (lossy && this.#channel.bufferedAmount > 1 << 20) return;
      this.#channel.send(JSON.stringify(message));
    } else if (this.#transport === 'relay') {
      if (lossy && this.#relayQueue.length >= LOSSY_QUEUE_MAX) return;
      this.#relayQueue.push(RELAY_EVENT, message);
    }
    // Still connecting: dropped on purpose; the catch-up on `ready` resends what matters.
  }

  // --- negotiation ------------------------------------------------------------

  #newConnection(generation) {
    this.#teardown();
    this.#generation = generation;
    this.#pendingCandidates = this.#pendingCandidates.filter((c) => c.generation === generation);
    const pc = new RTCPeerConnection(this.#mesh.rtcConfiguration);
    this.#pc = pc;
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && pc === this.#pc) {
        this.#relayQueue.push('ice-candidate', { generation, candidate: candidate.toJSON() });
      }
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.#pc) return;
      this.#mesh.emit('peer-state', { peer: this.peer, transport: this.#transport });
      if (pc.connectionState === 'failed') this.#channelLost();
    };
    pc.ondatachannel = ({ channel }) => this.#useChannel(channel);
    return pc;
  }

  async #offer() {
    if (this.#closed) return;
    const pc = this.#newConnection(this.#generation + 1);
    const generation = this.#generation;
    this.#useChannel(pc.createDataChannel('drawbridge', { ordered: true }));
    await pc.setLocalDescription(await pc.createOffer());
    this.#relayQueue.push('session-description', { generation, description: pc.localDescription.toJSON() });
    // If the channel has not opened after a while, try again from scratch.
    this.#scheduleRetry();
  }

  async onDescription({ generation, description }) {
    if (this.#closed) return;
    if (description.type === 'offer') {
      if (this.#offerer) return; // the server picked us to offer; a stray offer is stale
      if (generation < this.#generation) return;
      const pc = generation > this.#generation || !this.#pc ? this.#newConnection(generation) : this.#pc;
      await pc.setRemoteDescription(description);
      this.#flushCandidates();
      await pc.setLocalDescription(await pc.createAnswer());
      this.#relayQueue.push('session-description', { generation, description: pc.localDescription.toJSON() });
    } else if (this.#offerer && generation === this.#generation && this.#pc?.signalingState === 'have-local-offer') {
      await this.#pc.setRemoteDescription(description);
      this.#flushCandidates();
    }
  }

  onCandidate({ generation, candidate }) {
    if (this.#closed || generation < this.#generation) return;
    // Candidates may come before the description they belong to: keep them until then.
    this.#pendingCandidates.push({ generation, candidate });
    this.#flushCandidates();
  }

  #flushCandidates() {
    const pc = this.#pc;
    if (!pc?.remoteDescription) return;
    const ready = this.#pendingCandidates.filter((c) => c.generation === this.#generation);
    this.#pendingCandidates = this.#pendingCandidates.filter((c) => c.generation > this.#generation);
    for (const { candidate } of ready) {
      pc.addIceCandidate(candidate).catch((e) => console.warn('ice candidate', e));
    }
  }

  onRelayed(messages) {
    // The other side gave up on peer-to-peer: answer through the relay too, without waiting.
    if (this.#transport === 'connecting') this.#setTransport('relay');
    if (!Array.isArray(messages)) return;
    for (const message of messages) this.#mesh.receive(this, message);
  }

  // --- channel ----------------------------------------------------------------

  #useChannel(channel) {
    this.#channel = channel;
    channel.onopen = () => {
      if (channel !== this.#channel) return;
      this.#channelOpenedAt ??= performance.now();
      this.#retryMs = RETRY_MIN_MS;
      clearTimeout(this.#retryTimer);
      this.#setTransport('p2p');
    };
    channel.onclose = () => { if (channel === this.#channel) this.#channelLost(); };
    channel.onmessage = ({ data }) => {
      if (channel !== this.#channel) return;
      let message;
      try { message = JSON.parse(data); } catch { return; }
      this.#mesh.receive(this, message);
    };
  }

  #channelLost() {
    if (this.#closed) return;
    if (this.#transport === 'p2p') this.#setTransport('relay');
    if (this.#offerer) this.#scheduleRetry(0);
  }

  #scheduleRetry(delay = this.#retryMs) {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (this.#channel?.readyState === 'open') return;
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      this.#offer().catch((e) => console.warn('offer', e));
    }, Math.max(delay, FALLBACK_MS));
  }

  #setTransport(transport) {
    if (this.#closed || !this.#mesh.isCurrent(this)) return;
    clearTimeout(this.#fallbackTimer);
    if (transport === this.#transport) return;
    this.#transport = transport;
    this.#mesh.emit('peer-state', { peer: this.peer, transport });
    this.#mesh.emit('ready', { peer: this.peer, transport });
  }

  #teardown() {
    if (this.#channel) this.#channel.onopen = this.#channel.onclose = this.#channel.onmessage = null;
    this.#channel?.close();
    this.#pc?.close();
    this.#channel = null;
    this.#pc = null;
  }
}

/**
 * Relays to one peer (or broadcasts to the room), sent one at a time so they arrive in order
 * (the server keeps the order of accepted relays per sender and target). Consecutive mesh
 * messages (event `packed`) are packed into one body; a 429 waits as long as the server asks.
 */
class RelayQueue {
  #packed;
  #post;
  #items = [];
  #pumping = false;

  /** `post(event, body)` sends one body, resolving once accepted, rejecting with an HttpError. */
  constructor(packed, post) {
    this.#packed = packed;
    this.#post = post;
  }

  get length() { return this.#items.length; }
  clear() { this.#items = []; }

  push(event, data) {
    this.#items.push({ event, data, size: utf8Length(JSON.stringify(data)) });
    this.#pump();
  }

  async #pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#items.length) {
        const { event, body, count } = this.#nextBody();
        if (await this.#send(event, body)) this.#items.splice(0, count);
        else this.#items = []; // the peer is gone, or the server keeps refusing
      }
    } finally {
      this.#pumping = false;
    }
  }

  #nextBody() {
    const first = this.#items[0];
    if (first.event !== this.#packed) return { event: first.event, body: first.data, count: 1 };
    const body = [];
    let size = 2;
    for (const item of this.#items) {
      if (item.event !== this.#packed || (body.length && size + item.size + 1 > RELAY_BODY_MAX)) break;
      body.push(item.data);
      size += item.size + 1;
    }
    return { event: this.#packed, body, count: body.length };
  }

  /** True once accepted; false when there is no point in retrying. */
  async #send(event, body) {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        await this.#post(event, body);
        return true;
      } catch (e) {
        if (e.status === 404 || e.status === 400 || e.status === 413) return false;
        await sleep(e.retryAfterMs ?? 250 * 2 ** attempt);
      }
    }
    return false;
  }
}

function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code < 0xdc00 ? (i++, 4) : 3;
  }
  return bytes;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
