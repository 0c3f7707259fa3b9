// Where a saved board's entries live besides the open pages: this device (IndexedDB) and the
// server's storage (docs/STORAGE.md), which holds only records sealed with the room key.
//
// Every entry the model applies passes through here (the model's `change` event):
//  - it is written to this device's copy at once, so a reload, even offline, shows it;
//  - if storage is not known to hold it, it is queued and appended in small batches as soon
//    as the previous append returns (so what is drawn is stored within one round trip).
// Record ids are HMACs of entry ids (room-key.js): a retried append, or several pages
// appending the same entry, stores it once. A page compacts: after COMPACT_AFTER records
// past the last snapshot, it replaces them by one sealed snapshot of the entries they hold.
//
// Events: `status` {state} with state one of
//   'loading' | 'saving' | 'saved' | 'offline' | 'full' | 'refused' | 'deleted'

import { fromBase64Url } from './room-key.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const PAGE_LIMIT = 10_000;
// Pages of a long log asked for ahead, while the previous one is opened: the seqs past the
// snapshot are contiguous, so where each page starts is known from the first one's head. More
// than one ahead was slower on the test machine (BENCHMARKS.md): the node then builds several
// pages of 2 MB at once on the cores the browser needs to open them.
const PAGES_AHEAD = 1;
// A page that sees more records than this past the snapshot folds them into a new one: opening
// a board then costs one decryption for the snapshot and at most about this many for the rest.
const COMPACT_AFTER = 1000;
const BATCH_ENTRIES = 200;
const BATCH_BYTES = 256_000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
const WRITE_CHUNK = 2000;
const DB_NAME = 'drawbridge';
const ROWS = 'entries';

export class StorageRefused extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

export class BoardStore extends EventTarget {
  #roomId;
  #key;
  #model;
  #compactAfter;
  #db = null;
  #firstPage = null; // the first GET, sent while this device's copy is read
  #opening = null; // the promise of this device's database, when it was opened early (boot.js)
  #picture; // () => the picture of the model now, [{i, j, pixels: RGBA bytes}], or null
  #onPicture; // (tiles [{i, j, image | bitmap}]) => shows a snapshot's picture as the model's
  #holdFrames; // (promise) => no frame is drawn until it settles
  #pictureUsed = false;
  #stored = new Map(); // entry id -> seq in storage (0: inside the snapshot)
  #localRows = new Map(); // record id -> entry id, of rows this device holds as stored
  #recordIds = new Map(); // entry id -> record id
  #pending = new Map(); // entry id -> entry, not yet known to be in storage
  #unwritten = []; // rows waiting for the next IndexedDB transaction
  #writing = null;
  #origin = null; // 'local' | 'server' while entries of that source are being applied
  #readUpTo = 0; // every record with seq <= this has been read (or was ours)
  #snapshotUpTo = 0;
  #head = 0;
  #bytes = 0;
  #pumping = false;
  #compacting = false;
  #stopped = false; // refused, full or deleted: no more appends until the page says so
  #retryMs = RETRY_MIN_MS;
  #retryTimer = null;
  #state = 'loading';

  /**
   * @param {object} options {roomId, key: RoomKey, model: DrawingModel, compactAfter,
   *   firstPage: the promise of `BoardStore.prefetch`, database: of `openDatabase()`,
   *   picture, onPicture, holdFrames: the view's `picture()`, `seed(tiles)` and `holdFrames(promise)`
   *   (all optional)}
   */
  constructor({
    roomId, key, model, compactAfter = COMPACT_AFTER, firstPage = null, database = null, picture = null, onPicture = null, holdFrames = null,
  }) {
    super();
    this.#holdFrames = holdFrames;
    this.#picture = picture;
    this.#onPicture = onPicture;
    this.#firstPage = firstPage;
    this.#opening = database;
    this.#roomId = roomId;
    this.#key = key;
    this.#model = model;
    this.#compactAfter = compactAfter;
    model.addEventListener('change', ({ detail: { entries } }) => this.#onEntries(entries));
    window.addEventListener('online', () => {
      this.#retryMs = RETRY_MIN_MS;
      this.#retryNow();
    });
  }

  get state() { return this.#state; }

  /** Figures for the people panel and the tests. */
  describe() {
    return {
      state: this.#state, pending: this.#pending.size, head: this.#head, bytes: this.#bytes, snapshotUpTo: this.#snapshotUpTo,
      pictureUsed: this.#pictureUsed,
    };
  }

  /** Starts the request for the first page of the stored board (for `firstPage`). */
  static prefetch(roomId, key) {
    const response = boardFetch(roomId, key, 'GET', `/board?after=0&limit=${PAGE_LIMIT}`);
    response.catch(() => {});
    return response;
  }

  /** Applies this device's copy of the board to the model. */
  async openLocal() {
    this.#firstPage ??= BoardStore.prefetch(this.#roomId, this.#key); // meanwhile
    this.#db = await (this.#opening ?? openDatabase()).catch((e) => { console.warn('IndexedDB', e); return null; });
    this.#opening = null;
    if (!this.#db) return;
    const rows = await request(this.#db.transaction(ROWS).objectStore(ROWS).index('board').getAll(this.#key.localName));
    for (const row of rows) {
      if (row.rid) this.#recordIds.set(row.entry.id, row.rid);
      if (row.stored) {
        this.#stored.set(row.entry.id, row.seq ?? 0);
        if (row.rid) this.#localRows.set(row.rid, row.entry.id);
      } else {
        this.#pending.set(row.entry.id, row.entry);
      }
    }
    this.#origin = 'local';
    try {
      this.#model.receiveAll(rows.map((row) => row.entry));
    } finally {
      this.#origin = null;
    }
  }

  /**
   * Reads the server's log (every page of it) into the model. Resolves false when there is no
   * stored board yet; rejects with StorageRefused on 403 (the key is not this board's), and with
   * a TypeError when the server cannot be reached.
   */
  async load() {
    let found;
    try {
      found = await this.#readFrom(0);
    } catch (e) {
      if (e instanceof StorageRefused && (e.status === 403 || e.status === 401)) {
        this.#stopped = true;
        this.#setState('refused');
        throw e;
      }
      this.#offline(); // unreachable, or failing for now: this device keeps everything meanwhile
      return null;
    }
    this.#setState(this.#pending.size ? 'saving' : 'saved');
    this.#pump();
    return found;
  }

  /** Deletes the board from the server and from this device. */
  async deleteBoard() {
    this.#stopped = true;
    const response = await this.#fetch('DELETE', '/board');
    if (!response.ok && response.status !== 404) throw await refusal(response);
    await this.#forgetLocal();
    this.#pending.clear();
    this.#setState('deleted');
  }

  /** After "storage full": try again (e.g. after a clear made a snapshot possible). */
  resume() {
    if (this.#state !== 'full') return;
    this.#stopped = false;
    this.#retryNow();
  }

  // --- entries --------------------------------------------------------------------

  #onEntries(entries) {
    if (this.#origin === 'local') return;
    const stored = this.#origin === 'server';
    for (const entry of entries) {
      if (!stored) this.#pending.set(entry.id, entry);
      this.#write(entry, stored, this.#stored.get(entry.id));
    }
    // Offline (or refused for now), the retry appends them: not one failing append per change.
    if (!stored && this.#state !== 'offline') this.#pump();
  }

  async #recordId(entryId) {
    let id = this.#recordIds.get(entryId);
    if (!id) {
      id = await this.#key.recordId(entryId);
      this.#recordIds.set(entryId, id);
    }
    return id;
  }

  // --- this device ------------------------------------------------------------------

  #write(entry, stored, seq) {
    if (!this.#db) return;
    this.#unwritten.push({ entry, stored, seq });
    this.#writing ??= this.#flush().finally(() => {
      this.#writing = null;
      this.#settle();
    });
  }

  /** Writes the waiting rows, a transaction per chunk, until none wait. */
  async #flush() {
    // After the next frame (or 100 ms, for a hidden tab): the picture first, then the copy.
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 100);
      requestAnimationFrame(() => setTimeout(() => { clearTimeout(timer); resolve(); }, 0));
    });
    while (this.#unwritten.length) {
      const batch = this.#unwritten.splice(0, WRITE_CHUNK);
      try {
        const rows = batch.map(({ entry, stored, seq }) => ({
          board: this.#key.localName, id: entry.id, rid: this.#recordIds.get(entry.id) ?? null, entry, stored: stored ? 1 : 0, seq: seq ?? null,
        }));
        const tx = this.#db.transaction(ROWS, 'readwrite');
        const store = tx.objectStore(ROWS);
        for (const row of rows) store.put(row);
        await done(tx);
      } catch (e) {
        console.warn('IndexedDB write', e);
      }
    }
  }

  /** Marks entries as held by storage on this device. */
  #markStored(entries) {
    for (const entry of entries) this.#write(entry, true, this.#stored.get(entry.id));
  }

  async #forgetLocal() {
    if (!this.#db) return;
    const tx = this.#db.transaction(ROWS, 'readwrite');
    const index = tx.objectStore(ROWS).index('board');
    const keys = await request(index.getAllKeys(this.#key.localName));
    for (const key of keys) tx.objectStore(ROWS).delete(key);
    await done(tx);
  }

  // --- the server -------------------------------------------------------------------

  #fetch(method, path, body) {
    return boardFetch(this.#roomId, this.#key, method, path, body);
  }

  /** Reads records after `after`, every page; false when there is no board. */
  async #readFrom(after) {
    const ahead = new Map(); // after -> the page's response, asked for while earlier ones are opened
    for (;;) {
      const prefetched = ahead.get(after) ?? (after === 0 ? this.#firstPage : null);
      ahead.delete(after);
      this.#firstPage = null;
      const response = await (prefetched ?? this.#fetch('GET', `/board?after=${after}&limit=${PAGE_LIMIT}`));
      if (response.status === 404) return false;
      if (!response.ok) throw await refusal(response);
      // The marks (performance.getEntriesByType('mark')) say where the opening of a board goes.
      performance.mark('board: response');
      const page = await response.json();
      performance.mark('board: parsed');
      if (page.more && page.records.length) {
        // A guess that turns out wrong (a page that did not end where expected) is not used.
        const last = page.records.at(-1).seq;
        for (let k = 0; k < PAGES_AHEAD && last + k * PAGE_LIMIT < page.head; k++) {
          const from = last + k * PAGE_LIMIT;
          if (ahead.has(from)) continue;
          const response = this.#fetch('GET', `/board?after=${from}&limit=${PAGE_LIMIT}`);
          response.catch(() => {});
          ahead.set(from, response);
        }
      }
      this.#head = page.head;
      this.#bytes = page.bytes;
      if (page.snapshot) {
        const opened = await this.#key.openBytes('snapshot', page.snapshot.data).then(unpackSnapshot)
          .catch((e) => { console.warn('snapshot', e); return { entries: [] }; });
        const { entries } = opened;
        performance.mark('board: snapshot opened');
        // The picture stands for the model only if the model holds the snapshot's entries alone.
        // Its pixels are in the snapshot (format 2, docs/FILE-FORMAT.md), or PNG tiles (format 1)
        // decoded off the main thread while the entries are applied, with no frame drawn
        // meanwhile: it would draw them all.
        const usable = this.#onPicture && this.#model.size === 0;
        const decoding = usable && opened.tiles ? Promise.resolve(opened.tiles)
          : usable && opened.picture ? withDeadline(decodePicture(opened.picture).catch(() => null), PICTURE.decodeMs) : null;
        if (!usable) closeTiles(opened.tiles);
        if (decoding) this.#holdFrames?.(decoding);
        this.#snapshotUpTo = page.snapshot.upTo;
        this.#applyStored(entries.map((entry) => [entry, 0, null]));
        performance.mark('board: snapshot entries applied');
        const tiles = await decoding;
        if (decoding) performance.mark('board: picture decoded');
        if (tiles && this.#model.size === entries.length && entries.every((entry) => this.#model.has(entry?.id))) {
          this.#onPicture(tiles);
          this.#pictureUsed = true;
        } else {
          closeTiles(tiles);
        }
        performance.mark('board: snapshot applied');
        this.#readUpTo = Math.max(this.#readUpTo, page.snapshot.upTo);
      }
      const known = [];
      const unknown = [];
      for (const record of page.records) {
        const entryId = this.#localRows.get(record.id);
        if (entryId) known.push([entryId, record.seq]); else unknown.push(record);
      }
      for (const [entryId, seq] of known) this.#stored.set(entryId, seq);
      const opened = await Promise.all(unknown.map((record) => this.#key.open('record', record.data).then(
        (entry) => [entry, record.seq, record.id],
        () => null, // not sealed with this key: not drawn (a key holder wrote garbage)
      )));
      if (unknown.length) performance.mark('board: records opened');
      this.#applyStored(opened.filter(Boolean));
      if (unknown.length) performance.mark('board: records applied');
      if (page.records.length) this.#readUpTo = page.records.at(-1).seq;
      if (!page.more) return true;
      after = this.#readUpTo;
    }
  }

  #applyStored(triples) {
    const fresh = [];
    for (const [entry, seq, recordId] of triples) {
      if (typeof entry?.id !== 'string') continue;
      this.#stored.set(entry.id, seq);
      if (recordId) this.#recordIds.set(entry.id, recordId);
      if (this.#pending.delete(entry.id) || this.#model.has(entry.id)) this.#markStored([entry]);
      else fresh.push(entry);
    }
    this.#origin = 'server';
    try {
      this.#model.receiveAll(fresh); // its `change` writes them to this device as stored
    } finally {
      this.#origin = null;
    }
  }

  /** Appends what storage lacks, a batch at a time, until nothing is pending. */
  async #pump() {
    if (this.#pumping || this.#stopped || this.#state === 'loading') return;
    this.#pumping = true;
    try {
      while (this.#pending.size && !this.#stopped) {
        this.#setState('saving');
        const batch = [];
        let bytes = 0;
        for (const entry of this.#pending.values()) {
          const size = JSON.stringify(entry).length;
          if (batch.length && (batch.length >= BATCH_ENTRIES || bytes + size > BATCH_BYTES)) break;
          batch.push(entry);
          bytes += size;
        }
        const records = await Promise.all(batch.map(async (entry) => ({
          id: await this.#recordId(entry.id), data: await this.#key.seal('record', entry),
        })));
        let response;
        try {
          response = await this.#fetch('POST', '/board/records', { records });
        } catch {
          this.#offline();
          return;
        }
        if (response.ok) {
          const result = await response.json();
          this.#head = result.head;
          this.#bytes = result.bytes;
          batch.forEach((entry, i) => {
            this.#pending.delete(entry.id);
            this.#stored.set(entry.id, result.seqs?.[i] ?? 0);
          });
          this.#markStored(batch);
          this.#retryMs = RETRY_MIN_MS;
          continue;
        }
        const error = await refusal(response);
        if (error.code === 'board_full') {
          this.#stopped = true;
          this.#setState('full');
        } else if (error.code === 'record_too_large') {
          // One entry can never be stored (the model caps entries well below the default
          // limit, so this is a server set very low): keep it on this device and the peers.
          for (const entry of batch) this.#pending.delete(entry.id);
          console.warn('storage refused an entry as too large');
        } else if (response.status === 403 || response.status === 401) {
          this.#stopped = true;
          this.#setState('refused');
        } else {
          this.#offline(); // 5xx, 429: the server is there but cannot take it now
          return;
        }
      }
    } finally {
      this.#pumping = false;
    }
    if (!this.#stopped) {
      this.#settle();
      this.#maybeCompact();
    }
  }

  async #offline() {
    // Offline means "saved on this device": say so once this device holds it.
    await this.#writing;
    if (this.#stopped) return;
    this.#setState('offline');
    if (this.#retryTimer) return; // a retry is already due: failures meanwhile do not push it back
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#retryNow();
    }, this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  #retryNow() {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#state === 'offline' || this.#state === 'full') {
      // Back online: what others stored meanwhile may already hold some of ours.
      this.#readFrom(this.#readUpTo).then(() => {
        if (this.#state === 'offline') this.#setState('saving');
        this.#pump();
      }, () => this.#offline());
    }
  }

  /** After enough records past the last snapshot: fold them into a new one. */
  async #maybeCompact() {
    if (this.#compacting || this.#head - this.#snapshotUpTo <= this.#compactAfter) return;
    this.#compacting = true;
    try {
      await this.#compact();
    } catch (e) {
      console.warn('compaction', e);
    } finally {
      this.#compacting = false;
    }
  }

  async #compact() {
    // Read what others appended meanwhile, so every record up to `upTo` is in hand.
    await this.#readFrom(this.#readUpTo);
    const upTo = this.#readUpTo;
    if (upTo <= this.#snapshotUpTo) return;
    const entries = this.#model.missingFor({}).filter((entry) => {
      const seq = this.#stored.get(entry.id);
      return seq !== undefined && seq <= upTo;
    });
    // The picture goes with it when it is the picture of these entries: the model holds no other.
    let tiles = null;
    if (this.#picture && entries.length === this.#model.size) {
      try {
        tiles = this.#picture();
      } catch (e) {
        console.warn('picture', e);
      }
    }
    const data = await this.#key.sealBytes('snapshot', packSnapshot(entries, tiles));
    const response = await this.#fetch('PUT', '/board/snapshot', { upTo, data });
    if (response.status === 409) return; // another page compacted first
    if (!response.ok) throw await refusal(response);
    const result = await response.json();
    this.#head = result.head;
    this.#bytes = result.bytes;
    this.#snapshotUpTo = upTo;
    for (const entry of entries) this.#stored.set(entry.id, 0);
  }

  /** 'saved' once nothing is pending and this device's copy is written; else 'saving'. */
  #settle() {
    if (this.#stopped || this.#state === 'offline' || this.#state === 'loading') return;
    this.#setState(this.#pending.size || this.#writing ? 'saving' : 'saved');
  }

  #setState(state) {
    if (state === this.#state) return;
    this.#state = state;
    this.dispatchEvent(new CustomEvent('status', { detail: { state } }));
  }
}

// A snapshot's picture: the tiles of level 0 at the default view (tiles.js `picture`).
// Frames wait at most decodeMs for a picture of PNG tiles (format 1; one that decodes slower is
// not used: drawing wins).
const PICTURE = { level: 0, tile: 256, maxTiles: 64, decodeMs: 5000 };

// A snapshot's plaintext, before gzip and sealing (docs/FILE-FORMAT.md, "Snapshots"). Format 2:
// MAGIC, the length of the head (4 bytes, big-endian), the head (UTF-8 JSON {entries, picture:
// {level, tile, format: 'rgba', tiles: [{i, j}]} | null}), then each tile's pixels in the order
// of `picture.tiles`: tile × tile × 4 bytes, RGBA, row by row. The pixels take no decoding (PNG
// tiles took longer to decode than the entries to apply, BENCHMARKS.md). Format 1, still read:
// the JSON array of the entries, or {entries, picture: {level, tile, tiles: [{i, j, png}]}}.
const MAGIC = 'DBSNAP2\n';

/** The plaintext of a snapshot of `entries` with `tiles` ([{i, j, pixels}] of tiles.js `picture`, or null). */
function packSnapshot(entries, tiles) {
  const size = PICTURE.tile * PICTURE.tile * 4;
  const ok = tiles?.length && tiles.length <= PICTURE.maxTiles && tiles.every((t) => t.pixels?.length === size);
  if (tiles && !ok) console.warn('picture: not the tiles a snapshot holds');
  const picture = ok ? { level: PICTURE.level, tile: PICTURE.tile, format: 'rgba', tiles: tiles.map(({ i, j }) => ({ i, j })) } : null;
  const head = encoder.encode(JSON.stringify({ entries, picture }));
  const out = new Uint8Array(MAGIC.length + 4 + head.length + (picture ? tiles.length * size : 0));
  out.set(encoder.encode(MAGIC));
  new DataView(out.buffer).setUint32(MAGIC.length, head.length);
  out.set(head, MAGIC.length + 4);
  if (picture) tiles.forEach(({ pixels }, k) => out.set(pixels, MAGIC.length + 4 + head.length + k * size));
  return out;
}

/**
 * What a snapshot's plaintext holds: {entries, tiles: [{i, j, image: ImageData}]} for format 2
 * (tiles absent when it has no picture, or one this app does not draw), {entries, picture} for
 * format 1. Throws on anything else.
 */
function unpackSnapshot(bytes) {
  const magic = encoder.encode(MAGIC);
  if (!magic.every((b, k) => bytes[k] === b)) {
    const value = JSON.parse(decoder.decode(bytes));
    if (Array.isArray(value)) return { entries: value };
    if (!Array.isArray(value?.entries)) throw new Error('not a snapshot');
    return { entries: value.entries, picture: value.picture };
  }
  const start = magic.length + 4;
  if (bytes.length < start) throw new Error('a truncated snapshot');
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magic.length);
  if (start + headLength > bytes.length) throw new Error('a truncated snapshot');
  const head = JSON.parse(decoder.decode(bytes.subarray(start, start + headLength)));
  if (!Array.isArray(head?.entries)) throw new Error('not a snapshot');
  const { picture } = head;
  const list = picture?.tiles;
  const size = PICTURE.tile * PICTURE.tile * 4;
  const pixelsAt = start + headLength;
  if (picture?.level !== PICTURE.level || picture.tile !== PICTURE.tile || picture.format !== 'rgba' || !Array.isArray(list)
    || list.length > PICTURE.maxTiles || pixelsAt + list.length * size !== bytes.length
    || !list.every(({ i, j } = {}) => Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0)) {
    return { entries: head.entries };
  }
  const tiles = list.map(({ i, j }, k) => ({
    i, j, image: new ImageData(new Uint8ClampedArray(bytes.buffer, bytes.byteOffset + pixelsAt + k * size, size), PICTURE.tile, PICTURE.tile),
  }));
  return { entries: head.entries, tiles };
}

/** Releases decoded tiles ([{bitmap} | {image}], or null). */
function closeTiles(tiles) {
  tiles?.forEach(({ bitmap }) => bitmap?.close());
}

/** `promise`, or null once `ms` have passed without it (what it brings later is closed). */
function withDeadline(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); });
  return Promise.race([promise, late]).then((tiles) => {
    clearTimeout(timer);
    if (!tiles) promise.then(closeTiles);
    return tiles;
  });
}

/** The decoded tiles [{i, j, bitmap}] of a format-1 snapshot's PNG picture; null if it is not one this app draws. */
async function decodePicture(picture) {
  const tiles = picture?.tiles;
  if (picture.level !== PICTURE.level || picture.tile !== PICTURE.tile || !Array.isArray(tiles) || tiles.length > PICTURE.maxTiles) return null;
  if (!tiles.every(({ i, j, png } = {}) => Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && typeof png === 'string')) return null;
  // Decoded off the main thread; exact pixels: no colour conversion, no premultiplying.
  const decoded = await Promise.allSettled(tiles.map(async ({ i, j, png }) => ({
    i, j, bitmap: await createImageBitmap(new Blob([fromBase64Url(png)], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' }),
  })));
  const ok = decoded.every((d) => d.status === 'fulfilled' && d.value.bitmap.width === PICTURE.tile && d.value.bitmap.height === PICTURE.tile);
  if (!ok) {
    decoded.forEach((d) => d.status === 'fulfilled' && d.value.bitmap.close());
    return null;
  }
  return decoded.map((d) => d.value);
}

/**
 * Asks the server whether room `roomId` has a saved board, for a page that has no key: a proof
 * that cannot be right answers 403 when there is one, 404 when there is none.
 */
export async function hasSavedBoard(roomId) {
  try {
    const response = await fetch(`/${encodeURIComponent(roomId)}/board?limit=1`, {
      headers: { 'Board-Proof': 'A'.repeat(43) }, cache: 'no-store',
    });
    return response.status === 403;
  } catch {
    return false;
  }
}

function boardFetch(roomId, key, method, path, body) {
  return fetch(`/${encodeURIComponent(roomId)}${path}`, {
    method,
    headers: { 'Board-Proof': key.proof, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
}

async function refusal(response) {
  const body = await response.json().catch(() => ({}));
  return new StorageRefused(response.status, body.error ?? `http_${response.status}`, body.message);
}

/** Opens this device's database of boards (every board's rows, named by their key: `localName`). */
export function openDatabase() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      const store = open.result.createObjectStore(ROWS, { keyPath: ['board', 'id'] });
      store.createIndex('board', 'board');
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

const request = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

const done = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = tx.onabort = () => reject(tx.error);
});
