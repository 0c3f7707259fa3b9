// The room key and everything derived from it (docs/ENCRYPTION.md).
//
// A saved board's link is `/<roomId>#<key>`: 32 random bytes, base64url. Fragments are
// never sent to a server, so only the people given the link hold the key. From it, HKDF-SHA256
// (salt SALT, info naming the purpose and the room id) derives:
//   seal   an AES-GCM-256 key: every mesh message and every stored record or snapshot
//   proof  32 bytes sent as `Board-Proof`: the server keeps its SHA-256 and checks it
//   ids    an HMAC-SHA256 key: record ids on the server are HMAC(ids, entry id), so the
//          server cannot see who drew what, nor how many entries each author made
//   local  an HMAC-SHA256 key: names this board's rows on this device (a wrong key finds none)
// A sealed value is IV (12 fresh random bytes) || AES-GCM ciphertext and tag, with
// additional data `drawbridge/v1 <purpose> <roomId>`, so a record of one room or purpose
// never opens as another.

const SALT = new TextEncoder().encode('drawbridge/v1 room key');
const KEY_BYTES = 32;
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A fresh room key, as it goes in the link's fragment. */
export function newRoomKey() {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

/** True when `text` has the shape of a room key (32 bytes of base64url). */
export function isRoomKey(text) {
  return /^[A-Za-z0-9_-]{43}$/.test(text ?? '');
}

/** The message a sealed value failed to open with: wrong key, or tampered with. */
export class UnreadableError extends Error {}

export class RoomKey {
  #seal;
  #ids;
  #aad;
  /** base64url of the 32-byte proof, for the `Board-Proof` header. */
  proof;
  /** An opaque name of this board on this device, derived from the key. */
  localName;

  constructor(seal, ids, proof, localName, roomId) {
    this.#seal = seal;
    this.#ids = ids;
    this.proof = proof;
    this.localName = localName;
    this.#aad = (purpose) => encoder.encode(`drawbridge/v1 ${purpose} ${roomId}`);
  }

  /** Derives the keys of room `roomId` from its key `text` (see the top of this file). */
  static async derive(roomId, text) {
    const master = await crypto.subtle.importKey('raw', fromBase64Url(text), 'HKDF', false, ['deriveKey']);
    const info = (purpose) => encoder.encode(`drawbridge/v1 ${purpose} ${roomId}`);
    const hkdf = (purpose) => ({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: info(purpose) });
    const hmac = { name: 'HMAC', hash: 'SHA-256', length: 256 };
    const [seal, ids, local, proof] = await Promise.all([
      crypto.subtle.deriveKey(hkdf('seal'), master, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
      crypto.subtle.deriveKey(hkdf('record-id'), master, hmac, false, ['sign']),
      crypto.subtle.deriveKey(hkdf('local'), master, hmac, false, ['sign']),
      RoomKey.proofOf(roomId, text),
    ]);
    const localName = toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', local, encoder.encode(roomId)))).slice(0, 22);
    return new RoomKey(seal, ids, proof, localName, roomId);
  }

  /**
   * Only the proof of room `roomId`'s key `text` (base64url, as `proof`): what a request for the
   * stored board needs, sooner than `derive` gives every key (boot.js).
   */
  static async proofOf(roomId, text) {
    const master = await crypto.subtle.importKey('raw', fromBase64Url(text), 'HKDF', false, ['deriveBits']);
    const info = encoder.encode(`drawbridge/v1 proof ${roomId}`);
    return toBase64Url(new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info }, master, 256)));
  }

  /**
   * Seals a JSON value for `purpose` ('mesh', 'record', 'snapshot'): base64url text. A snapshot
   * is gzipped before it is sealed (a board's log compresses to about a third).
   */
  seal(purpose, value) {
    return this.sealBytes(purpose, encoder.encode(JSON.stringify(value)));
  }

  /** Seals bytes for `purpose` as `seal` does (a snapshot gzipped first): base64url text. */
  async sealBytes(purpose, bytes) {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const plain = purpose === 'snapshot' ? await transform(bytes, new CompressionStream('gzip')) : bytes;
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: this.#aad(purpose) },
      this.#seal, plain);
    const out = new Uint8Array(IV_BYTES + sealed.byteLength);
    out.set(iv);
    out.set(new Uint8Array(sealed), IV_BYTES);
    return toBase64Url(out);
  }

  /** Opens what `seal(purpose, …)` made; throws UnreadableError for anything else. */
  async open(purpose, text) {
    return JSON.parse(decoder.decode(await this.openBytes(purpose, text)));
  }

  /** Opens what `sealBytes(purpose, …)` (or `seal`) made: the bytes (a snapshot gunzipped). */
  async openBytes(purpose, text) {
    let bytes;
    try {
      bytes = fromBase64Url(text);
    } catch {
      throw new UnreadableError('not a sealed value');
    }
    if (bytes.length <= IV_BYTES + 16) throw new UnreadableError('not a sealed value');
    let plain;
    try {
      plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: this.#aad(purpose) },
        this.#seal, bytes.subarray(IV_BYTES));
    } catch {
      throw new UnreadableError('sealed with another key, or changed on the way');
    }
    if (purpose === 'snapshot') return transform(new Uint8Array(plain), new DecompressionStream('gzip'));
    return new Uint8Array(plain);
  }

  /** The opaque id under which an entry is stored: 22 base64url characters of its HMAC. */
  async recordId(entryId) {
    const mac = await crypto.subtle.sign('HMAC', this.#ids, encoder.encode(entryId));
    return toBase64Url(new Uint8Array(mac)).slice(0, 22);
  }
}

async function transform(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

// Native base64 where the browser has it (much faster on a large snapshot), else by hand.
export function toBase64Url(bytes) {
  if (bytes.toBase64) return bytes.toBase64({ alphabet: 'base64url', omitPadding: true });
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text) {
  if (typeof text !== 'string') throw new TypeError('not text');
  if (Uint8Array.fromBase64) {
    // Storage answers in either alphabet (STORAGE.md): take both (a snapshot's megabytes of
    // standard base64 are not copied to find out).
    const url = text.includes('-') || text.includes('_');
    return Uint8Array.fromBase64(text, { alphabet: url ? 'base64url' : 'base64', lastChunkHandling: 'loose' });
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
