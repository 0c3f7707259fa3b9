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

const PAGE_LIMIT = 10_000;
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
   * @param {object} options {roomId, key: RoomKey, model: DrawingModel, compactAfter}
   */
  constructor({ roomId, key, model, compactAfter = COMPACT_AFTER }) {
    super();
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
    return { state: this.#state, pending: this.#pending.size, head: this.#head, bytes: this.#bytes, snapshotUpTo: this.#snapshotUpTo };
  }

  /** Applies this device's copy of the board to the model. */
  async openLocal() {
    this.#firstPage = this.#fetch('GET', `/board?after=0&limit=${PAGE_LIMIT}`); // meanwhile
    this.#firstPage.catch(() => {});
    this.#db = await openDatabase().catch((e) => { console.warn('IndexedDB', e); return null; });
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
    if (!stored) this.#pump();
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
    return fetch(`/${encodeURIComponent(this.#roomId)}${path}`, {
      method,
      headers: { 'Board-Proof': this.#key.proof, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  }

  /** Reads records after `after`, every page; false when there is no board. */
  async #readFrom(after) {
    for (;;) {
      const prefetched = after === 0 ? this.#firstPage : null;
      this.#firstPage = null;
      const response = await (prefetched ?? this.#fetch('GET', `/board?after=${after}&limit=${PAGE_LIMIT}`));
      if (response.status === 404) return false;
      if (!response.ok) throw await refusal(response);
      const page = await response.json();
      this.#head = page.head;
      this.#bytes = page.bytes;
      if (page.snapshot) {
        const entries = await this.#key.open('snapshot', page.snapshot.data).catch((e) => { console.warn('snapshot', e); return []; });
        this.#snapshotUpTo = page.snapshot.upTo;
        this.#applyStored(entries.map((entry) => [entry, 0, null]));
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
      this.#applyStored(opened.filter(Boolean));
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
    const data = await this.#key.seal('snapshot', entries);
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

async function refusal(response) {
  const body = await response.json().catch(() => ({}));
  return new StorageRefused(response.status, body.error ?? `http_${response.status}`, body.message);
}

function openDatabase() {
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
