// Images on the board: the bounds they are kept to, how a picked, pasted or dropped file is
// brought within them (in the browser, before anything is sent), how their bytes are cut into
// chunks small enough for every transport, and the content hash that ties the chunks to their
// `image` entry (docs/DATA-CHANNEL.md, "Images").
//
// An image is an `image` entry (its box in the world, mime type, byte length, pixel size and the
// SHA-256 of its bytes) followed by `image-chunk` entries of its author, each holding CHUNK_BYTES
// of the bytes (the last one the rest) as base64. The model checks the hash when the last chunk
// arrives, synchronously (so that validation stays a pure function of the entries): hence the
// small SHA-256 below rather than crypto.subtle, which only answers later.

/** The longest side of an image on the board, in pixels: a bigger one is scaled down to it. */
export const IMAGE_MAX_SIDE = 2048;
/** What an image is re-encoded to fit into (WebP, else JPEG): a few hundred KB. */
export const IMAGE_TARGET_BYTES = 400_000;
/** The most bytes an `image` entry may announce (the model refuses more). */
export const IMAGE_MAX_BYTES = 512 * 1024;
/**
 * Bytes of one `image-chunk` (the last one may hold fewer): a multiple of 3, so that the base64 of
 * the whole image is the chunks' texts one after the other. 15 KiB is 20 480 base64 characters,
 * about 20.6 KB of entry JSON: sealed (base64 again) about 27.6 KB, so two fit in one relay body
 * (60 000 bytes, the server takes 64 KiB) and one stored record stays far under BOARD_MAX_RECORD.
 */
export const CHUNK_BYTES = 15 * 1024;
/** The most chunks an image has. */
export const MAX_CHUNKS = Math.ceil(IMAGE_MAX_BYTES / CHUNK_BYTES);
/** The image types an entry may carry: what every browser decodes. */
export const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);
// A PNG (or any accepted type) at most this big, and no larger than IMAGE_MAX_SIDE, is kept as it is.
const KEEP_BYTES = 200_000;

/** How many chunks hold an image of `bytes` bytes. */
export const chunkCount = (bytes) => Math.ceil(bytes / CHUNK_BYTES);

/** The byte length of chunk `index` of an image of `bytes` bytes. */
export const chunkLength = (bytes, index) => Math.min(CHUNK_BYTES, bytes - index * CHUNK_BYTES);

// --- base64 --------------------------------------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The number of bytes a base64 text holds, or -1 when it is not canonical-looking base64. */
export function base64Length(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) return -1;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

export function toBase64(bytes) {
  if (bytes.toBase64) return bytes.toBase64();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The bytes of a base64 text (null when it is not base64). */
export function fromBase64(text) {
  if (base64Length(text) < 0) return null;
  try {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** An image's bytes cut into the base64 texts of its chunks, in order. */
export function chunkTexts(bytes) {
  const texts = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) texts.push(toBase64(bytes.subarray(i, i + CHUNK_BYTES)));
  return texts;
}

// --- SHA-256 (FIPS 180-4) ------------------------------------------------------------------

// The round constants and the initial hash: the first 32 bits of the fractional parts of the cube
// roots of the first 64 primes, and of the square roots of the first 8.
const PRIMES = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p)) PRIMES.push(n);
const frac32 = (v) => Math.floor((v - Math.floor(v)) * 2 ** 32) >>> 0;
const K = Uint32Array.from(PRIMES, (p) => frac32(Math.cbrt(p)));
const H0 = Uint32Array.from(PRIMES.slice(0, 8), (p) => frac32(Math.sqrt(p)));

/** The SHA-256 of `bytes` as 64 lowercase hex digits. */
export function sha256Hex(bytes) {
  const length = bytes.length;
  const blocks = Math.ceil((length + 9) / 64);
  const padded = new Uint8Array(blocks * 64);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 2 ** 29));
  view.setUint32(padded.length - 4, (length * 8) >>> 0);
  const h = Uint32Array.from(H0);
  const w = new Uint32Array(64);
  for (let block = 0; block < blocks; block++) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block * 64 + t * 4);
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15];
      const b = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  return [...h].map((v) => v.toString(16).padStart(8, '0')).join('');
}

// --- bringing a file within the bounds --------------------------------------------------------

/** An image that cannot go on the board, with a sentence saying why. */
export class ImageRefused extends Error {}

/**
 * A picked, pasted or dropped image file made ready for the board: {bytes, mime, width, height}.
 * Kept as it is when it is PNG, JPEG or WebP, at most IMAGE_MAX_SIDE on its longest side and at
 * most KEEP_BYTES; otherwise drawn at most IMAGE_MAX_SIDE on its longest side and encoded as WebP
 * (JPEG where the browser cannot encode WebP), at lower quality and then smaller until it is at
 * most IMAGE_TARGET_BYTES. Throws ImageRefused for a file that is not an image the browser decodes.
 */
export async function prepareImage(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new ImageRefused('this file is not an image this browser can read.');
  }
  try {
    const { width, height } = bitmap;
    if (!width || !height) throw new ImageRefused('this image has no pixels.');
    if (IMAGE_TYPES.has(file.type) && Math.max(width, height) <= IMAGE_MAX_SIDE && file.size <= KEEP_BYTES) {
      return { bytes: new Uint8Array(await file.arrayBuffer()), mime: file.type, width, height };
    }
    let scale = Math.min(1, IMAGE_MAX_SIDE / Math.max(width, height));
    for (let attempt = 0; attempt < 8; attempt++, scale *= 0.75) {
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      const canvas = new OffscreenCanvas(w, h);
      const ctx = canvas.getContext('2d');
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(bitmap, 0, 0, w, h);
      for (const quality of [0.9, 0.8, 0.7]) {
        let blob = await canvas.convertToBlob({ type: 'image/webp', quality });
        if (blob.type !== 'image/webp') {
          // No WebP encoder: JPEG, which has no transparency, over white (the board's colour).
          ctx.globalCompositeOperation = 'destination-over';
          ctx.fillStyle = '#ffffff';
          ctx.fillRect(0, 0, w, h);
          ctx.globalCompositeOperation = 'source-over';
          blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
        }
        if (blob.size <= IMAGE_TARGET_BYTES) return { bytes: new Uint8Array(await blob.arrayBuffer()), mime: blob.type, width: w, height: h };
      }
    }
    throw new ImageRefused(`this image could not be made smaller than ${IMAGE_TARGET_BYTES} bytes.`);
  } finally {
    bitmap.close();
  }
}

/** True when a DataTransfer item or File is an image file. */
export const isImageFile = (file) => Boolean(file) && typeof file.type === 'string' && file.type.startsWith('image/');

// --- decoding for the renderer ----------------------------------------------------------------

/**
 * Decodes an image element's bytes (model.js: `element.image`, once its bytes are all there) into
 * `image.bitmap`, once per image; resolves true when a bitmap was made now (the caller redraws the
 * element), false when there was nothing to do or the bytes do not decode (the placeholder stays).
 */
export async function decodeImage(image) {
  if (!image?.bytes || image.bitmap || image.decoding) return false;
  image.decoding = true;
  try {
    image.bitmap = await createImageBitmap(new Blob([image.bytes], { type: image.mime }));
    return true;
  } catch (e) {
    console.warn('image', e);
    image.failed = true;
    return false;
  } finally {
    image.decoding = false;
  }
}
