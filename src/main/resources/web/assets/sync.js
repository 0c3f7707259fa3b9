// Whether two people see exactly the same board: each page keeps a digest of the entries it has
// applied and tells its peers (message `sync`, docs/DATA-CHANNEL.md); the people list shows, per
// person, "in sync" or how many operations are still on their way.
//
// Why a digest of ids is enough: the picture is a pure function of the set of entries (model.js
// applies them in one deterministic order, whatever order they arrived in), and an id
// `<peer>:<seq>` names one immutable entry. So two pages that hold the same set of ids show the
// same board. (A dishonest peer sending two different entries under one id is not detected: see
// "Trust" in DATA-CHANNEL.md.)

/**
 * An order-independent digest of a set of entry ids, kept as entries are applied: the count, and
 * the sum modulo 2^64 of a 64-bit hash of each id. Adding is O(1) and commutative, so the same
 * set gives the same digest in any arrival order, and nothing is ever rehashed. The log only
 * grows, and the model adds each id once (duplicates are dropped before), so no removal is needed.
 */
export class SetDigest {
  #count = 0;
  #hi = 0; // the sum's high and low 32 bits, unsigned
  #lo = 0;

  add(id) {
    const [hi, lo] = hashId(id);
    const low = this.#lo + lo;
    this.#lo = low >>> 0;
    this.#hi = (this.#hi + hi + (low > 0xffffffff ? 1 : 0)) >>> 0;
    this.#count++;
  }

  get count() { return this.#count; }

  /** The sum as 16 hex digits. */
  get value() { return hex(this.#hi) + hex(this.#lo); }
}

const hex = (n) => n.toString(16).padStart(8, '0');

/** A 64-bit hash of a string, as two unsigned 32-bit halves (two multiplicative lanes, mixed). */
export function hashId(id) {
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9e3779b9 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  // Each lane's bits spread over the whole word, then each lane takes in the other.
  a = mix(a);
  b = mix(b ^ a);
  a = mix(a ^ b);
  return [a >>> 0, b >>> 0];
}

/** A 32-bit finalizer: every input bit flips about half the output bits. */
function mix(h) {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const DIGEST = /^[0-9a-f]{16}$/;

/** A peer's `sync` message as {count, digest}, or null when it is malformed. */
export function parseSync(message) {
  const { count, digest } = message ?? {};
  return Number.isInteger(count) && count >= 0 && typeof digest === 'string' && DIGEST.test(digest)
    ? { count, digest } : null;
}

/**
 * How a peer's board compares with ours: {state, n}, where state is
 *   'in-sync'      the same set of entries (same count and digest)
 *   'incoming'     they hold n more than we do: n operations on their way to us
 *   'outgoing'     we hold n more: n on their way to them
 *   'out-of-sync'  as many entries, not the same ones (each lacks some of the other's)
 * Their report may be older than what is on its way: a digest that arrives before the
 * operations it covers is exactly what "on their way" means.
 */
export function compare(ours, theirs) {
  if (theirs.count > ours.count) return { state: 'incoming', n: theirs.count - ours.count };
  if (theirs.count < ours.count) return { state: 'outgoing', n: ours.count - theirs.count };
  return { state: theirs.digest === ours.digest ? 'in-sync' : 'out-of-sync', n: 0 };
}

/** What the people list shows of a comparison: {state, text, label (the whole sentence)}. */
export function describe({ state, n }, name) {
  const operations = n === 1 ? '1 operation that has' : `${n} operations that have`;
  const onTheirWay = n === 1 ? '1 on its way' : `${n} on their way`;
  switch (state) {
    case 'in-sync': return { state, text: 'in sync', label: `${name} sees exactly the same board as you` };
    case 'incoming': return { state, text: `${onTheirWay} to you`, label: `${name} has ${operations} not reached you yet` };
    case 'outgoing': return { state, text: `${onTheirWay} to them`, label: `You have ${operations} not reached ${name} yet` };
    default: return { state, text: 'out of sync', label: `${name}'s board and yours differ` };
  }
}

// Our digest goes out at most this often while it changes (and at once to a peer that connects).
const SEND_EVERY_MS = 250;

/**
 * Keeps our peers told of our digest, and shows how each of them compares with us. The `sync`
 * messages are ephemeral: never entries, never stored.
 */
export class SyncWatch {
  #model;
  #send;
  #show;
  #reports = new Map(); // peerId -> {peer, count, digest}: its latest report
  #timer = null;
  #sentAt = -Infinity;

  /**
   * @param {DrawingModel} model whose `digest` we report
   * @param {object} io {send(peerId or null for every peer, message), show(peerId, description or null)}
   */
  constructor(model, { send, show }) {
    this.#model = model;
    this.#send = send;
    this.#show = show;
    model.addEventListener('change', () => {
      this.#schedule();
      for (const peerId of this.#reports.keys()) this.#refresh(peerId);
    });
  }

  /** A way to a peer opened: tell it where we are now. */
  connected(peerId) {
    this.#send(peerId, this.#message());
  }

  /** A peer's `sync` message; a malformed one changes nothing. */
  reported(peer, message) {
    const report = parseSync(message);
    if (!report) return;
    this.#reports.set(peer.id, { peer, ...report });
    this.#refresh(peer.id);
  }

  forget(peerId) {
    this.#reports.delete(peerId);
  }

  #message() {
    const { count, digest } = this.#model.digest;
    return { t: 'sync', count, digest };
  }

  #refresh(peerId) {
    const report = this.#reports.get(peerId);
    this.#show(peerId, describe(compare(this.#model.digest, report), report.peer.username));
  }

  /** Sends our digest within SEND_EVERY_MS of a change, as it is then (later changes included). */
  #schedule() {
    if (this.#timer !== null) return;
    const wait = Math.max(0, this.#sentAt + SEND_EVERY_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#sentAt = performance.now();
      this.#send(null, this.#message());
    }, wait);
  }
}
