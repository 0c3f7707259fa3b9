// The drawing model: an append-only log of entries that every peer keeps a copy of.
//
// Every entry has an id `<peer>:<seq>` (the author's peer id and its own counter)
// and a Lamport clock. The picture is a pure function of the set of entries:
// drawing entries are applied in (clock, peer) order, which is the same on every
// peer, so peers that hold the same entries show the same picture whatever order
// the entries arrived in. Receiving an entry twice changes nothing.
//
// Entry kinds (docs/DATA-CHANNEL.md has the wire format):
//   stroke  {tool: 'pencil'|'eraser', color, width, points: [x, y, pressure, ...]}
//   points  {target, points}  more points of one of the author's own strokes, in seq order
//   rect | ellipse  {color, width, x1, y1, x2, y2}
//   text    {color, size, x, y, text}
//   clear   {}               hides everything before it in the order
//   undo | redo  {target}    hides / shows again one of the author's own entries

const DRAWING_KINDS = new Set(['stroke', 'rect', 'ellipse', 'text', 'clear']);
const KINDS = new Set([...DRAWING_KINDS, 'points', 'undo', 'redo']);
const MAX_POINTS_PER_ENTRY = 3 * 2000;
const MAX_TEXT = 500;

/** The one total order every peer applies: Lamport clock, then author id. */
export function compareEntries(a, b) {
  return a.clock - b.clock || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : a.seq - b.seq);
}

export class DrawingModel extends EventTarget {
  #origin;
  #seq = 0;
  #clock = 0;
  #entries = new Map(); // id -> entry
  #drawables = []; // drawing entries, kept sorted by compareEntries
  #extraPoints = new Map(); // stroke id -> `points` entries, sorted by seq
  #toggles = new Map(); // target id -> latest undo/redo entry
  #prefix = new Map(); // peer -> n: we hold all of its entries 1..n
  #beyondPrefix = new Map(); // peer -> Set of seqs held above the prefix

  /** @param {string} origin our peer id: the author of the entries we create */
  constructor(origin) {
    super();
    this.#origin = origin;
  }

  get origin() { return this.#origin; }
  get size() { return this.#entries.size; }
  get clock() { return this.#clock; }

  /** Authors a new entry, applies it, and returns it (ready to send). */
  create(kind, fields) {
    const seq = ++this.#seq;
    const entry = { id: `${this.#origin}:${seq}`, peer: this.#origin, seq, clock: ++this.#clock, kind, ...fields };
    this.#apply(entry);
    return entry;
  }

  /** Authors entries under a new peer id from now on (the server gave us a new identity). */
  reassign(origin) {
    this.#origin = origin;
    this.#seq = this.#prefix.get(origin) ?? 0;
  }

  /** Applies an entry from another peer. Returns false for a duplicate or a malformed one. */
  receive(entry) {
    if (!isValid(entry) || this.#entries.has(entry.id)) return false;
    this.#apply(entry);
    return true;
  }

  /**
   * Applies many entries (a stored board) with one `change` event, `detail.entries` listing
   * those applied. Returns them: the others were duplicates or malformed.
   */
  receiveAll(entries) {
    const applied = entries.filter((entry) => isValid(entry) && !this.#entries.has(entry.id) && (this.#apply(entry, false), true));
    if (applied.length) this.dispatchEvent(new CustomEvent('change', { detail: { entries: applied } }));
    return applied;
  }

  /** What we hold, as the highest contiguous seq per author: the `have` of a hello. */
  summary() {
    return Object.fromEntries(this.#prefix);
  }

  /** The entries that a peer whose summary is `have` lacks, oldest first per author. */
  missingFor(have) {
    const missing = [];
    for (const entry of this.#entries.values()) {
      if (entry.seq > (have?.[entry.peer] ?? 0)) missing.push(entry);
    }
    return missing.sort((a, b) => a.clock - b.clock || a.seq - b.seq);
  }

  /**
   * What to draw, in order: the visible drawing entries after the last visible clear.
   * Strokes come with all their points joined.
   */
  visible() {
    const shown = this.#drawables.filter((entry) => !this.isHidden(entry.id));
    let start = 0;
    for (let i = shown.length - 1; i >= 0; i--) {
      if (shown[i].kind === 'clear') { start = i + 1; break; }
    }
    return shown.slice(start).map((entry) => entry.kind === 'stroke' ? this.#withAllPoints(entry) : entry);
  }

  /** True when the latest undo/redo of the entry is an undo. */
  isHidden(id) {
    return this.#toggles.get(id)?.kind === 'undo';
  }

  has(id) { return this.#entries.has(id); }

  // --- internals ----------------------------------------------------------------

  #apply(entry, notify = true) {
    this.#entries.set(entry.id, entry);
    this.#clock = Math.max(this.#clock, entry.clock);
    this.#track(entry.peer, entry.seq);
    if (entry.peer === this.#origin) this.#seq = Math.max(this.#seq, entry.seq);

    if (DRAWING_KINDS.has(entry.kind)) {
      insertSorted(this.#drawables, entry, compareEntries);
    } else if (entry.kind === 'points') {
      const list = this.#extraPoints.get(entry.target) ?? [];
      insertSorted(list, entry, (a, b) => a.seq - b.seq);
      this.#extraPoints.set(entry.target, list);
    } else {
      // undo/redo: only the author's latest word counts. Its seqs grow with its intent.
      const current = this.#toggles.get(entry.target);
      if (!current || current.seq < entry.seq) this.#toggles.set(entry.target, entry);
    }
    if (notify) this.dispatchEvent(new CustomEvent('change', { detail: { entry, entries: [entry] } }));
  }

  #withAllPoints(stroke) {
    const extra = this.#extraPoints.get(stroke.id);
    if (!extra) return stroke;
    // Only the stroke's author may extend it.
    const points = stroke.points.concat(...extra.filter((e) => e.peer === stroke.peer).map((e) => e.points));
    return { ...stroke, points };
  }

  #track(peer, seq) {
    let prefix = this.#prefix.get(peer) ?? 0;
    const beyond = this.#beyondPrefix.get(peer) ?? new Set();
    if (seq > prefix) beyond.add(seq);
    while (beyond.has(prefix + 1)) beyond.delete(++prefix);
    this.#prefix.set(peer, prefix);
    this.#beyondPrefix.set(peer, beyond);
  }
}

/**
 * Undo and redo of one's own entries. Undo hides the latest entry of ours that is
 * shown; redo shows again the latest one undone, until we draw something new.
 */
export class History {
  #model;
  #done = []; // ids of our entries that undo can hide, oldest first
  #undone = [];

  constructor(model) { this.#model = model; }

  /** Call for every drawing entry we author. */
  record(entry) {
    this.#done.push(entry.id);
    this.#undone = [];
  }

  /** Returns the undo entry to send, or null when there is nothing to undo. */
  undo() {
    const target = this.#done.pop();
    if (!target) return null;
    this.#undone.push(target);
    return this.#model.create('undo', { target });
  }

  redo() {
    const target = this.#undone.pop();
    if (!target) return null;
    this.#done.push(target);
    return this.#model.create('redo', { target });
  }
}

function insertSorted(list, item, compare) {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compare(list[mid], item) <= 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, item);
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const isColor = (v) => typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v);

/** Peers are not trusted to send well-formed entries; a bad one is dropped, not drawn. */
function isValid(e) {
  if (!e || typeof e !== 'object' || typeof e.peer !== 'string' || !KINDS.has(e.kind)) return false;
  if (!Number.isInteger(e.seq) || e.seq < 1 || !Number.isInteger(e.clock) || e.clock < 1) return false;
  if (e.id !== `${e.peer}:${e.seq}`) return false;
  const points = (p) => Array.isArray(p) && p.length % 3 === 0 && p.length <= MAX_POINTS_PER_ENTRY && p.every(isNumber);
  switch (e.kind) {
    case 'stroke': return (e.tool === 'pencil' || e.tool === 'eraser') && isColor(e.color) && isNumber(e.width) && points(e.points) && e.points.length > 0;
    case 'points': return typeof e.target === 'string' && points(e.points);
    case 'rect':
    case 'ellipse': return isColor(e.color) && isNumber(e.width) && [e.x1, e.y1, e.x2, e.y2].every(isNumber);
    case 'text': return isColor(e.color) && isNumber(e.size) && isNumber(e.x) && isNumber(e.y) && typeof e.text === 'string' && e.text.length <= MAX_TEXT;
    case 'clear': return true;
    default: return typeof e.target === 'string' && e.target.startsWith(`${e.peer}:`);
  }
}
