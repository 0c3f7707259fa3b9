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
//   line | arrow  {color, width, x1, y1, x2, y2}  a segment from (x1, y1); an arrow's head at (x2, y2)
//   text    {color, size, x, y, text}
//   note    {color, size, x1, y1, x2, y2, text}  a sticky note: a filled box holding wrapped text
//   image   {x1, y1, x2, y2, mime, bytes, width, height, hash}  a picture in the box (x1, y1)-(x2, y2):
//           `bytes` bytes of `mime` whose SHA-256 is `hash`, `width` x `height` pixels (images.js)
//   image-chunk {target, index, data}  bytes of one of the author's own images, base64 (images.js)
//   clear   {}               hides everything before it in the order
//   undo | redo  {target}    hides / shows again one of the author's own entries
//   transform {targets, dx, dy, sx, sy, ax, ay}  moves and scales elements (anyone's)
//   delete  {targets}        hides elements (anyone's) while the delete itself is shown
//   retext  {target, text}   sets the text of a note (anyone's)
//
// Edits (transform, delete) are entries like the others: anyone may edit any element, and the
// author may undo the edit. An element's transform is the composition of the shown transforms
// that target it, in (clock, peer) order, so concurrent moves of one element compose the same
// way on every peer; an element is deleted while any shown delete targets it. A note's text is
// that of the last shown retext that targets it in (clock, peer) order, else its own: two people
// editing one note at once end with the same text everywhere.
//
// An image is drawn once its chunks are all held (until then, a placeholder box). A chunk that
// does not fit its image (an index past its last, a length other than its place's), a second
// chunk for one place, and the entry that completes an image whose bytes do not hash to its
// `hash` are refused like any malformed entry: they change nothing.

import { SetDigest } from './sync.js';
import {
  CHUNK_BYTES, IMAGE_MAX_BYTES, IMAGE_MAX_SIDE, IMAGE_TYPES, MAX_CHUNKS, base64Length, chunkCount, chunkLength, fromBase64, sha256Hex,
} from './images.js';

/** The kinds of entries that draw something (or clear): each is a step of its author's history. */
export const DRAWING_KINDS = new Set(['stroke', 'rect', 'ellipse', 'line', 'arrow', 'text', 'note', 'image', 'clear']);
const EDIT_KINDS = new Set(['transform', 'delete', 'retext']);
/** The kinds of entries that add to another entry of their author (and are no step of their own). */
export const PART_KINDS = new Set(['points', 'image-chunk']);
const KINDS = new Set([...DRAWING_KINDS, ...EDIT_KINDS, ...PART_KINDS, 'undo', 'redo']);
const MAX_POINTS_PER_ENTRY = 3 * 2000;
const MAX_TEXT = 500;
/** The longest text a note holds (UTF-16 code units, as `String.length` counts). */
export const MAX_NOTE_TEXT = 2000;
/** An edit names at most this many elements; a bigger selection is edited by several entries. */
export const MAX_TARGETS = 500;
const MAX_SCALE = 1e4;
const IDENTITY = Object.freeze([1, 1, 0, 0]); // [sx, sy, tx, ty]: (x, y) -> (sx x + tx, sy y + ty)

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
  #elements = new Map(); // drawing entry id -> its element (what is drawn of it)
  #extraPoints = new Map(); // stroke id -> `points` entries, sorted by seq
  #toggles = new Map(); // target id -> latest undo/redo entry
  #transforms = new Map(); // element id -> transform entries targeting it, sorted by compareEntries
  #deletes = new Map(); // element id -> delete entries targeting it
  #retexts = new Map(); // note id -> retext entries targeting it, sorted by compareEntries
  #chunks = new Map(); // image id -> Map(index -> image-chunk entry)
  #assembled = null; // {id, bytes}: the image that the entry being checked completes (see #fits)
  #lifted = new Set(); // ids of elements this page leaves out of `visible()` (being dragged)
  #prefix = new Map(); // peer -> n: we hold all of its entries 1..n
  #beyondPrefix = new Map(); // peer -> Set of seqs held above the prefix
  #visible = []; // the visible elements in order (valid unless #stale)
  #stale = false;
  #journal = newJournal();
  #digest = new SetDigest(); // of the ids held: two pages with the same digest show the same board

  /** @param {string} origin our peer id: the author of the entries we create */
  constructor(origin) {
    super();
    this.#origin = origin;
  }

  get origin() { return this.#origin; }
  get size() { return this.#entries.size; }
  get clock() { return this.#clock; }
  /** What we hold, in brief: {count, digest} (sync.js), the same for the same set of entries. */
  get digest() { return { count: this.#digest.count, digest: this.#digest.value }; }

  /** The element of a drawing entry (visible or not), or undefined. */
  element(id) { return this.#elements.get(id); }

  /**
   * Leaves these elements out of `visible()` on this page only (null: none), while a drag shows
   * them elsewhere; the log is untouched, so no other page sees a difference.
   */
  lift(ids) {
    const before = this.#lifted;
    this.#lifted = new Set(ids ?? []);
    for (const id of new Set([...before, ...this.#lifted])) {
      if (before.has(id) === this.#lifted.has(id)) continue;
      const element = this.#elements.get(id);
      if (element && !this.isHidden(id) && !this.isDeleted(id)) this.#changedInPlace(element.entry);
    }
  }

  /** Authors a new entry, applies it, and returns it (ready to send). */
  create(kind, fields) {
    const seq = ++this.#seq;
    const entry = { id: `${this.#origin}:${seq}`, peer: this.#origin, seq, clock: ++this.#clock, kind, ...fields };
    this.#apply(entry);
    return entry;
  }

  /** As `create`, for fields from outside (a pasted clipboard): null, and nothing made, when invalid. */
  createChecked(kind, fields) {
    const seq = this.#seq + 1;
    const entry = { ...fields, id: `${this.#origin}:${seq}`, peer: this.#origin, seq, clock: this.#clock + 1, kind };
    if (!isValid(entry) || !this.#fits(entry)) return null;
    this.#seq = seq;
    this.#clock = entry.clock;
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
    if (!isValid(entry) || this.#entries.has(entry.id) || !this.#fits(entry)) return false;
    this.#apply(entry);
    return true;
  }

  /**
   * Applies many entries (a stored board) with one `change` event, `detail.entries` listing
   * those applied. Returns them: the others were duplicates or malformed.
   */
  receiveAll(entries) {
    const applied = [];
    for (const entry of entries) {
      if (isValid(entry) && !this.#entries.has(entry.id) && this.#fits(entry)) {
        this.#apply(entry, false);
        applied.push(entry);
      }
    }
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
   * What to draw, in order: the elements of the visible drawing entries after the last visible
   * clear. An element is {id, kind, entry, parts, bounds} (see `newElement`); the array and its
   * elements are the model's own, to read and not to change, valid until the next change.
   */
  visible() {
    if (this.#stale) {
      this.#stale = false;
      const shown = [];
      for (const entry of this.#drawables) {
        if (this.isHidden(entry.id)) continue;
        if (entry.kind === 'clear') shown.length = 0;
        else if (!this.isDeleted(entry.id) && !this.#lifted.has(entry.id)) shown.push(this.#elements.get(entry.id));
      }
      this.#visible = shown;
    }
    return this.#visible;
  }

  /**
   * What changed in `visible()` since the last call, for a renderer that keeps a picture of it:
   * {reset: redraw everything, rects: world boxes to redraw from `visible()`, appended: elements
   * added on top (drawable over the picture as it is), grown: Map element -> index of its first
   * new part (parts added at the end of a stroke)}. The order of the picture is always
   * `visible()`'s; these are hints of where it changed.
   */
  takeChanges() {
    const changes = this.#journal;
    this.#journal = newJournal();
    return changes;
  }

  /** True when something changed since the last `takeChanges()`. */
  hasChanges() {
    const j = this.#journal;
    return j.reset || j.rects.length > 0 || j.appended.length > 0 || j.grown.size > 0;
  }

  /** True when the latest undo/redo of the entry is an undo. */
  isHidden(id) {
    return this.#toggles.get(id)?.kind === 'undo';
  }

  /** True when a shown delete targets the element. */
  isDeleted(id) {
    const deletes = this.#deletes.get(id);
    return deletes !== undefined && deletes.some((d) => !this.isHidden(d.id));
  }

  has(id) { return this.#entries.has(id); }

  /**
   * The bytes of an image element as base64, or null while they are not all here (the texts of
   * its chunks in order: a chunk holds a multiple of 3 bytes).
   */
  imageData(id) {
    const element = this.#elements.get(id);
    if (element?.kind !== 'image' || !element.image.bytes) return null;
    const chunks = this.#chunks.get(id);
    return Array.from({ length: chunkCount(element.entry.bytes) }, (_, i) => chunks.get(i).data).join('');
  }

  /**
   * Marks an element's place to be drawn again, the log unchanged: its image was decoded
   * (images.js `decodeImage`), so its placeholder gives way to the picture.
   */
  redraw(id) {
    if (this.#elements.has(id) && this.#isShown(id)) this.#changedInPlace(this.#elements.get(id).entry);
  }

  // --- internals ----------------------------------------------------------------

  /**
   * The checks of an image or a chunk against what is held (the others always fit): a chunk must
   * fit its image's layout and take a free place, and whichever entry completes an image must
   * complete it with bytes of the right hash. Leaves the completed bytes in #assembled.
   */
  #fits(entry) {
    this.#assembled = null;
    if (entry.kind === 'image-chunk') {
      const chunks = this.#chunks.get(entry.target);
      if (chunks?.has(entry.index)) return false;
      const image = this.#entries.get(entry.target);
      if (!image) return true; // checked when its image arrives
      if (image.kind !== 'image' || !chunkFits(image, entry)) return false;
      return this.#completes(image, chunks, entry);
    }
    if (entry.kind === 'image') {
      const chunks = this.#chunks.get(entry.id);
      for (const chunk of chunks?.values() ?? []) if (!chunkFits(entry, chunk)) return false;
      return this.#completes(entry, chunks, null);
    }
    return true;
  }

  /** False when the chunks held and `extra` complete the image with bytes of another hash. */
  #completes(image, chunks, extra) {
    const count = chunkCount(image.bytes);
    if ((chunks?.size ?? 0) + (extra ? 1 : 0) < count) return true;
    const bytes = new Uint8Array(image.bytes);
    for (let i = 0; i < count; i++) {
      const chunk = extra?.index === i ? extra : chunks.get(i);
      bytes.set(fromBase64(chunk.data), i * CHUNK_BYTES);
    }
    if (sha256Hex(bytes) !== image.hash) return false;
    this.#assembled = { id: image.id, bytes };
    return true;
  }


  #apply(entry, notify = true) {
    this.#entries.set(entry.id, entry);
    this.#digest.add(entry.id);
    this.#clock = Math.max(this.#clock, entry.clock);
    this.#track(entry.peer, entry.seq);
    if (entry.peer === this.#origin) this.#seq = Math.max(this.#seq, entry.seq);

    if (DRAWING_KINDS.has(entry.kind)) {
      this.#addDrawable(entry);
    } else if (entry.kind === 'points') {
      this.#addPoints(entry);
    } else if (entry.kind === 'image-chunk') {
      const chunks = this.#chunks.get(entry.target) ?? new Map();
      chunks.set(entry.index, entry);
      this.#chunks.set(entry.target, chunks);
      this.#imageComplete(entry.target);
    } else if (EDIT_KINDS.has(entry.kind)) {
      this.#addEdit(entry);
    } else {
      // undo/redo: only the author's latest word counts. Its seqs grow with its intent.
      const current = this.#toggles.get(entry.target);
      if (!current || current.seq < entry.seq) {
        const target = this.#entries.get(entry.target);
        const wasHidden = this.isHidden(entry.target);
        const deleted = target?.kind === 'delete' ? this.#deletedTargets(target) : null;
        this.#toggles.set(entry.target, entry);
        if (target && wasHidden !== this.isHidden(entry.target)) {
          if (DRAWING_KINDS.has(target.kind)) this.#changedInPlace(target);
          else if (target.kind === 'delete') this.#redelete(target, deleted);
          else if (EDIT_KINDS.has(target.kind)) this.#relayOut(target);
        }
      }
    }
    if (notify) this.dispatchEvent(new CustomEvent('change', { detail: { entry, entries: [entry] } }));
  }

  #addDrawable(entry) {
    const index = insertSorted(this.#drawables, entry, compareEntries);
    let element = null;
    if (entry.kind !== 'clear') {
      element = newElement(entry);
      this.#elements.set(entry.id, element);
      this.#layOut(element);
      if (entry.kind === 'image') this.#imageComplete(entry.id);
    }
    if (this.isHidden(entry.id) || this.isDeleted(entry.id) || this.#lifted.has(entry.id)) return;
    if (index === this.#drawables.length - 1 && !this.#stale) {
      // On top of everything: the common case, someone drawing now.
      if (element) {
        this.#visible.push(element);
        this.#journal.appended.push(element);
      } else {
        this.#visible = [];
        this.#journal.reset = true;
      }
    } else {
      this.#changedInPlace(entry);
    }
  }

  #addPoints(entry) {
    const list = this.#extraPoints.get(entry.target) ?? [];
    const index = insertSorted(list, entry, (a, b) => a.seq - b.seq);
    this.#extraPoints.set(entry.target, list);
    const element = this.#elements.get(entry.target);
    // Only the stroke's author may extend it.
    if (!element || element.kind !== 'stroke' || entry.peer !== element.entry.peer) return;
    if (index === list.length - 1) {
      const from = element.parts.length;
      addPart(element, mapPoints(entry.points, element.matrix));
      if (!this.#isShown(element.id)) return;
      // After a change below the top (until `visible()` is read again) the renderer redraws
      // boxes from the new order: the new parts' place is one of them, or they would be missed.
      if (this.#stale) {
        this.#journal.rects.push(element.bounds);
        return;
      }
      const grown = this.#journal.grown;
      if (!grown.has(element)) grown.set(element, from);
    } else {
      // Points arriving out of order: the stroke's parts are laid out again.
      const before = { ...element.bounds };
      this.#layOut(element);
      if (this.#isShown(element.id)) this.#journal.rects.push(before, element.bounds);
    }
  }

  /** An image whose bytes the entry just applied completed (#fits checked them): they are its own now. */
  #imageComplete(id) {
    const assembled = this.#assembled;
    this.#assembled = null;
    if (assembled?.id !== id) return;
    const element = this.#elements.get(id);
    element.image.bytes = assembled.bytes;
    this.dispatchEvent(new CustomEvent('image', { detail: { element } }));
  }

  #isShown(id) {
    return !this.isHidden(id) && !this.isDeleted(id) && !this.#lifted.has(id);
  }

  /**
   * Sets an element's transform (its shown transforms composed in order), parts and bounds, and
   * a note's text (its last shown retext's).
   */
  #layOut(element) {
    let m = IDENTITY;
    for (const t of this.#transforms.get(element.id) ?? []) {
      if (!this.isHidden(t.id)) m = compose(m, t);
    }
    element.matrix = m;
    element.version++;
    if (element.kind === 'stroke') {
      const entry = element.entry;
      element.parts = [];
      element.bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
      addPart(element, mapPoints(entry.points, m));
      for (const e of this.#extraPoints.get(element.id) ?? []) {
        if (e.peer === entry.peer) addPart(element, mapPoints(e.points, m));
      }
    } else {
      let entry = element.entry;
      if (entry.kind === 'note') {
        const retext = this.#retexts.get(element.id)?.findLast((r) => !this.isHidden(r.id));
        if (retext) entry = { ...entry, text: retext.text };
      }
      element.shape = mapShape(entry, m);
      element.bounds = entryBounds(element.shape);
    }
  }

  #addEdit(entry) {
    const index = { transform: this.#transforms, delete: this.#deletes, retext: this.#retexts }[entry.kind];
    const deleted = entry.kind === 'delete' ? this.#deletedTargets(entry) : null;
    for (const id of editTargets(entry)) {
      const list = index.get(id) ?? [];
      insertSorted(list, entry, compareEntries);
      index.set(id, list);
    }
    if (this.isHidden(entry.id)) return;
    if (entry.kind === 'delete') this.#redelete(entry, deleted);
    else this.#relayOut(entry);
  }

  /** The targets of a delete that are deleted now (to compare with after a change). */
  #deletedTargets(entry) {
    return new Set(entry.targets.filter((id) => this.isDeleted(id)));
  }

  /** A transform or a retext was added, hidden or shown: its targets are laid out again where they are. */
  #relayOut(entry) {
    for (const id of editTargets(entry)) {
      const element = this.#elements.get(id);
      if (!element) continue;
      const before = element.bounds;
      this.#layOut(element);
      if (this.#isShown(id)) {
        this.#journal.rects.push(before);
        this.#changedInPlace(element.entry);
      }
    }
  }

  /** A delete was added, hidden or shown: the targets whose deletion changed are redrawn. */
  #redelete(entry, deletedBefore) {
    for (const id of new Set(entry.targets)) {
      const element = this.#elements.get(id);
      if (!element || deletedBefore.has(id) === this.isDeleted(id) || this.isHidden(id)) continue;
      this.#changedInPlace(element.entry);
    }
  }

  /** Something below the top changed (an entry inserted, hidden or shown): redraw where it is. */
  #changedInPlace(entry) {
    this.#stale = true;
    if (entry.kind === 'clear') this.#journal.reset = true;
    else this.#journal.rects.push(this.#elements.get(entry.id).bounds);
    // What was appended meanwhile is redrawn from the new order too.
    for (const element of this.#journal.appended) this.#journal.rects.push(element.bounds);
    this.#journal.appended = [];
    for (const element of this.#journal.grown.keys()) this.#journal.rects.push(element.bounds);
    this.#journal.grown.clear();
  }

  #track(peer, seq) {
    let prefix = this.#prefix.get(peer) ?? 0;
    if (seq === prefix + 1 && !this.#beyondPrefix.get(peer)?.size) {
      // In order, nothing held above: the common case, without a set.
      this.#prefix.set(peer, seq);
      return;
    }
    const beyond = this.#beyondPrefix.get(peer) ?? new Set();
    if (seq > prefix) beyond.add(seq);
    while (beyond.has(prefix + 1)) beyond.delete(++prefix);
    this.#prefix.set(peer, prefix);
    this.#beyondPrefix.set(peer, beyond);
  }
}

/** The ids of the elements an edit entry targets, each once. */
const editTargets = (entry) => new Set(entry.targets ?? [entry.target]);

function newJournal() {
  return { reset: false, rects: [], appended: [], grown: new Map() };
}

/**
 * What is drawn of a drawing entry. `matrix` [sx, sy, tx, ty] is its transform (the edits that
 * moved or scaled it, composed). A stroke's `parts` are its own points followed by those of
 * each of its author's `points` entries in seq order, transformed (render.js draws each part as
 * its own paths); a shape's or a text's `shape` is its entry with transformed coordinates;
 * `bounds` {x0, y0, x1, y1} holds everything it paints, in world units. Widths are not scaled.
 */
function newElement(entry) {
  const image = entry.kind === 'image' ? { mime: entry.mime, bytes: null, bitmap: null, decoding: false, failed: false } : null;
  return { id: entry.id, kind: entry.kind, entry, matrix: IDENTITY, parts: null, shape: null, bounds: null, version: 0, image };
}

/** Transform m, then the transform entry t: x -> ax + sx (x - ax) + dx. */
function compose(m, t) {
  const sx = t.sx ?? 1;
  const sy = t.sy ?? 1;
  const ax = t.ax ?? 0;
  const ay = t.ay ?? 0;
  return [sx * m[0], sy * m[1], sx * m[2] + ax - sx * ax + t.dx, sy * m[3] + ay - sy * ay + t.dy];
}

const isIdentity = (m) => m[0] === 1 && m[1] === 1 && m[2] === 0 && m[3] === 0;

/** A stroke's points [x, y, pressure, ...] under transform m (the same array when m is identity). */
export function mapPoints(points, m) {
  if (isIdentity(m)) return points;
  const out = new Array(points.length);
  for (let i = 0; i < points.length; i += 3) {
    out[i] = m[0] * points[i] + m[2];
    out[i + 1] = m[1] * points[i + 1] + m[3];
    out[i + 2] = points[i + 2];
  }
  return out;
}

/**
 * A rect, ellipse, line, arrow, text or note entry's fields under transform m (a text's size
 * scales with sy; a note's text size with the smaller factor, so that a note made only wider or
 * only taller keeps its letters and wraps them anew).
 */
export function mapShape(entry, m) {
  if (isIdentity(m)) return entry;
  if (entry.kind === 'text') return { ...entry, x: m[0] * entry.x + m[2], y: m[1] * entry.y + m[3], size: entry.size * m[1] };
  const mapped = { ...entry, x1: m[0] * entry.x1 + m[2], y1: m[1] * entry.y1 + m[3], x2: m[0] * entry.x2 + m[2], y2: m[1] * entry.y2 + m[3] };
  if (entry.kind === 'note') mapped.size = entry.size * Math.min(m[0], m[1]);
  return mapped;
}

/** An element as it would be under a further transform t ({dx, dy, sx, sy, ax, ay}), for a preview. */
export function previewElement(element, t) {
  const m = compose(element.matrix, t);
  const relative = compose(IDENTITY, t);
  if (element.kind === 'stroke') return { ...element, matrix: m, parts: element.parts.map((p) => mapPoints(p, relative)) };
  const shape = mapShape(element.shape, relative);
  return { ...element, matrix: m, shape, bounds: entryBounds(shape) };
}

function addPart(element, points) {
  element.parts.push(points);
  const b = element.bounds;
  const m = strokeMargin(element.entry.width);
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i];
    const y = points[i + 1];
    if (x - m < b.x0) b.x0 = x - m;
    if (x + m > b.x1) b.x1 = x + m;
    if (y - m < b.y0) b.y0 = y - m;
    if (y + m > b.y1) b.y1 = y + m;
  }
}

// The widest a stroke gets (pressure 1: 1.75 times its width) / 2, and a unit for antialiasing.
const strokeMargin = (width) => 0.875 * width + 1;

/** The length of an arrow's barbs (from the tip, along each side): it grows with the stroke width. */
export const arrowHeadLength = (width) => 3 * width + 8;

export function entryBounds(entry) {
  if (entry.kind === 'text') {
    // Generous: no font is much wider than its size per character, and `top` puts the text below y.
    const width = entry.size * (entry.text.length + 1);
    return { x0: entry.x - entry.size, y0: entry.y - entry.size, x1: entry.x + width, y1: entry.y + 2 * entry.size };
  }
  if (entry.kind === 'note' || entry.kind === 'image') {
    // The box itself (a note's text is clipped to it), and a unit for antialiasing.
    return {
      x0: Math.min(entry.x1, entry.x2) - 1, y0: Math.min(entry.y1, entry.y2) - 1,
      x1: Math.max(entry.x1, entry.x2) + 1, y1: Math.max(entry.y1, entry.y2) + 1,
    };
  }
  // An arrow's barbs reach at most a head's length from its tip, in any direction.
  const m = entry.width / 2 + 1 + (entry.kind === 'arrow' ? arrowHeadLength(entry.width) : 0);
  return {
    x0: Math.min(entry.x1, entry.x2) - m, y0: Math.min(entry.y1, entry.y2) - m,
    x1: Math.max(entry.x1, entry.x2) + m, y1: Math.max(entry.y1, entry.y2) + m,
  };
}

/**
 * Undo and redo of one's own entries. Undo hides the latest step of ours that is shown (a
 * step: one drawing entry, or the entries of one edit, e.g. a paste of many elements); redo
 * shows again the latest one undone, until we draw something new.
 */
export class History {
  #model;
  #done = []; // steps (arrays of ids of our entries) that undo can hide, oldest first
  #undone = [];

  constructor(model) { this.#model = model; }

  /** Call for every drawing or edit entry we author: each call is one step. */
  record(...entries) {
    if (!entries.length) return;
    this.#done.push(entries.map((entry) => entry.id));
    this.#undone = [];
  }

  /** Returns the undo entries to send (empty when there is nothing to undo). */
  undo() {
    const step = this.#done.pop();
    if (!step) return [];
    this.#undone.push(step);
    return step.toReversed().map((target) => this.#model.create('undo', { target }));
  }

  redo() {
    const step = this.#undone.pop();
    if (!step) return [];
    this.#done.push(step);
    return step.map((target) => this.#model.create('redo', { target }));
  }
}

/** Inserts `item` after every element not greater than it; returns its index. */
function insertSorted(list, item, compare) {
  let low = 0;
  let high = list.length;
  if (high === 0 || compare(list[high - 1], item) <= 0) return list.push(item) - 1; // in order: no search
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compare(list[mid], item) <= 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, item);
  return low;
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const isColor = (v) => typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v);
const noteText = (v) => typeof v === 'string' && v.length <= MAX_NOTE_TEXT;
const targets = (v) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_TARGETS && v.every((id) => typeof id === 'string');

/** Whether a chunk has a place in an image's layout: an index it has, and that place's length. */
const chunkFits = (image, chunk) => chunk.index < chunkCount(image.bytes) && base64Length(chunk.data) === chunkLength(image.bytes, chunk.index);

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
    case 'ellipse':
    case 'line':
    case 'arrow': return isColor(e.color) && isNumber(e.width) && [e.x1, e.y1, e.x2, e.y2].every(isNumber);
    case 'text': return isColor(e.color) && isNumber(e.size) && isNumber(e.x) && isNumber(e.y) && typeof e.text === 'string' && e.text.length <= MAX_TEXT;
    case 'note': return isColor(e.color) && isNumber(e.size) && e.size >= 0 && [e.x1, e.y1, e.x2, e.y2].every(isNumber) && noteText(e.text);
    case 'clear': return true;
    case 'transform': return targets(e.targets) && isNumber(e.dx) && isNumber(e.dy)
      && [e.sx ?? 1, e.sy ?? 1].every((s) => isNumber(s) && s > 0 && s <= MAX_SCALE && 1 / s <= MAX_SCALE)
      && [e.ax ?? 0, e.ay ?? 0].every(isNumber);
    case 'delete': return targets(e.targets);
    case 'retext': return typeof e.target === 'string' && noteText(e.text);
    case 'image': return [e.x1, e.y1, e.x2, e.y2].every(isNumber) && IMAGE_TYPES.has(e.mime)
      && Number.isInteger(e.bytes) && e.bytes >= 1 && e.bytes <= IMAGE_MAX_BYTES
      && [e.width, e.height].every((v) => Number.isInteger(v) && v >= 1 && v <= IMAGE_MAX_SIDE)
      && typeof e.hash === 'string' && /^[0-9a-f]{64}$/.test(e.hash);
    case 'image-chunk': return typeof e.target === 'string' && e.target.startsWith(`${e.peer}:`)
      && Number.isInteger(e.index) && e.index >= 0 && e.index < MAX_CHUNKS && base64Length(e.data) >= 1;
    default: return typeof e.target === 'string' && e.target.startsWith(`${e.peer}:`);
  }
}
