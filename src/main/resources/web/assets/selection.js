// The select tool's geometry and the clipboard's payload: which element is under a point, which
// lie inside a box, the selection's box and handles, and the entries that copy out a selection
// and paste it back (docs/DATA-CHANNEL.md, "Editing").
//
// Everything here is in world units and reads elements as the model lays them out (their
// transformed parts and shapes). Eraser strokes are never selected: they belong to the board's
// white, not to a drawing.

import { arrowBarbs, widthAt } from './render.js';
import { MAX_TARGETS } from './model.js';
import { IMAGE_MAX_BYTES, chunkTexts, fromBase64, sha256Hex, toBase64 } from './images.js';

/** The clipboard type of copied elements (JSON, see `toPayload`); also offered as text/plain. */
export const CLIPBOARD_TYPE = 'drawbridge/elements';
const PAYLOAD_VERSION = 1;
const MAX_PASTED = 5000;
// A stroke entry holds at most this many points; the rest follow as `points` entries.
const POINTS_PER_ENTRY = 2000;

export const selectable = (element) => !(element.kind === 'stroke' && element.entry.tool === 'eraser');

/** The topmost selectable element of `elements` (in drawing order) painted within `tolerance` of (x, y). */
export function hitTest(elements, x, y, tolerance) {
  for (let k = elements.length - 1; k >= 0; k--) {
    const element = elements[k];
    const b = element.bounds;
    if (x < b.x0 - tolerance || x > b.x1 + tolerance || y < b.y0 - tolerance || y > b.y1 + tolerance) continue;
    if (selectable(element) && hits(element, x, y, tolerance)) return element;
  }
  return null;
}

function hits(element, x, y, tolerance) {
  if (element.kind === 'stroke') return hitsStroke(element, x, y, tolerance);
  const s = element.shape;
  if (element.kind === 'note' || element.kind === 'image') {
    // A note or an image is opaque: anywhere on it.
    return x >= Math.min(s.x1, s.x2) - tolerance && x <= Math.max(s.x1, s.x2) + tolerance
      && y >= Math.min(s.y1, s.y2) - tolerance && y <= Math.max(s.y1, s.y2) + tolerance;
  }
  if (element.kind === 'text') {
    // The text's own box: a character is narrower than its size, a line a little taller.
    return x >= s.x - tolerance && x <= s.x + 0.7 * s.size * s.text.length + tolerance
      && y >= s.y - tolerance && y <= s.y + 1.3 * s.size + tolerance;
  }
  const reach = s.width / 2 + tolerance;
  if (element.kind === 'line' || element.kind === 'arrow') {
    // The shaft, and an arrow's barbs from its tip.
    const ends = [[s.x1, s.y1], ...(element.kind === 'arrow' ? arrowBarbs(s) : [])];
    return ends.some(([ax, ay]) => segmentDistance(x, y, ax, ay, s.x2, s.y2) <= reach);
  }
  const [x0, x1] = [Math.min(s.x1, s.x2), Math.max(s.x1, s.x2)];
  const [y0, y1] = [Math.min(s.y1, s.y2), Math.max(s.y1, s.y2)];
  if (element.kind === 'rect') {
    const inside = x > x0 + reach && x < x1 - reach && y > y0 + reach && y < y1 - reach;
    const near = x >= x0 - reach && x <= x1 + reach && y >= y0 - reach && y <= y1 + reach;
    return near && !inside;
  }
  // Ellipse: the distance to the outline, measured along the radius through the point.
  const rx = (x1 - x0) / 2 || 1e-9;
  const ry = (y1 - y0) / 2 || 1e-9;
  const dx = x - (x0 + rx);
  const dy = y - (y0 + ry);
  const d = Math.hypot(dx / rx, dy / ry);
  const scale = d > 0 ? Math.hypot(dx, dy) / d : Math.min(rx, ry); // the radius in this direction
  return Math.abs(d - 1) * scale <= reach;
}

function hitsStroke(element, x, y, tolerance) {
  const width = element.entry.width;
  let px = null;
  let py = null;
  for (const part of element.parts) {
    for (let i = 0; i < part.length; i += 3) {
      const reach = widthAt(width, part[i + 2]) / 2 + tolerance;
      const qx = part[i];
      const qy = part[i + 1];
      const d = px === null ? Math.hypot(x - qx, y - qy) : segmentDistance(x, y, px, py, qx, qy);
      if (d <= reach) return true;
      px = qx;
      py = qy;
    }
  }
  return false;
}

function segmentDistance(x, y, ax, ay, bx, by) {
  const vx = bx - ax;
  const vy = by - ay;
  const length2 = vx * vx + vy * vy;
  const t = length2 ? Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / length2)) : 0;
  return Math.hypot(x - (ax + t * vx), y - (ay + t * vy));
}

/** The selectable elements whose whole box lies inside the world box. */
export function inBox(elements, box) {
  return elements.filter((e) => selectable(e)
    && e.bounds.x0 >= box.x0 && e.bounds.x1 <= box.x1 && e.bounds.y0 >= box.y0 && e.bounds.y1 <= box.y1);
}

/** The box holding every element's box, or null for none. */
export function unionBox(elements) {
  if (!elements.length) return null;
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const { bounds: b } of elements) {
    box.x0 = Math.min(box.x0, b.x0);
    box.y0 = Math.min(box.y0, b.y0);
    box.x1 = Math.max(box.x1, b.x1);
    box.y1 = Math.max(box.y1, b.y1);
  }
  return box;
}

/** The resize handles of a box: its corners, each with the opposite corner as the anchor. */
export function handles(box) {
  return [
    { name: 'nw', x: box.x0, y: box.y0, ax: box.x1, ay: box.y1 },
    { name: 'ne', x: box.x1, y: box.y0, ax: box.x0, ay: box.y1 },
    { name: 'sw', x: box.x0, y: box.y1, ax: box.x1, ay: box.y0 },
    { name: 'se', x: box.x1, y: box.y1, ax: box.x0, ay: box.y0 },
  ];
}

/**
 * The scale about a handle's anchor that takes the handle to (x, y): {sx, sy, ax, ay}, each
 * factor positive (the box does not flip) and leaving the box at least `min` wide and high.
 */
export function scaleFor(handle, x, y, min, uniform) {
  const scale = (to, from, anchor) => {
    const span = from - anchor;
    if (Math.abs(span) < 1e-9) return 1;
    return Math.max(min / Math.abs(span), (to - anchor) / span);
  };
  let sx = scale(x, handle.x, handle.ax);
  let sy = scale(y, handle.y, handle.ay);
  if (uniform) sx = sy = Math.max(sx, sy);
  return { sx: round6(sx), sy: round6(sy), ax: handle.ax, ay: handle.ay };
}

const round6 = (v) => Math.round(v * 1e6) / 1e6;

/** Splits the ids of an edit into lists an entry may carry (MAX_TARGETS each). */
export function chunks(ids) {
  const lists = [];
  for (let i = 0; i < ids.length; i += MAX_TARGETS) lists.push(ids.slice(i, i + MAX_TARGETS));
  return lists;
}

// --- copy and paste -------------------------------------------------------------------

/**
 * The clipboard payload of elements, as they are drawn now (transforms applied):
 * {type: 'drawbridge/elements', version: 1, elements: [...]}, each element the fields of the
 * entry that draws it (kind, tool, color, width, points | x1, y1, x2, y2 (rect, ellipse, line, arrow) | x, y, size, text
 * | size, x1, y1, x2, y2, text (a note, with its text as it is now) | x1, y1, x2, y2, mime, width,
 * height, data (an image, its bytes as base64; an image whose bytes are not all here yet is left out)).
 */
export function toPayload(elements) {
  return {
    type: CLIPBOARD_TYPE,
    version: PAYLOAD_VERSION,
    elements: elements.map((e) => {
      if (e.kind === 'stroke') {
        const { tool, color, width } = e.entry;
        // Coordinates to a tenth of a unit, pressure to a thousandth.
        return { kind: 'stroke', tool, color, width, points: e.parts.flat().map((v, i) => (i % 3 === 2 ? round3(v) : round1(v))) };
      }
      if (e.kind === 'image') {
        if (!e.image?.bytes) return null;
        const { mime, width, height, x1, y1, x2, y2 } = e.shape;
        return { kind: 'image', mime, width, height, x1: round1(x1), y1: round1(y1), x2: round1(x2), y2: round1(y2), data: toBase64(e.image.bytes) };
      }
      const { id, peer, seq, clock, ...fields } = e.shape;
      for (const k of ['x', 'y', 'x1', 'y1', 'x2', 'y2', 'size']) if (k in fields) fields[k] = round1(fields[k]);
      return fields;
    }).filter(Boolean),
  };
}

/** The payload in a clipboard text, or null when it is not one (any other text, bad JSON). */
export function parsePayload(text) {
  if (!text) return null;
  try {
    const payload = JSON.parse(text);
    if (payload?.type !== CLIPBOARD_TYPE || !Array.isArray(payload.elements)) return null;
    return payload.elements.length <= MAX_PASTED ? payload : null;
  } catch {
    return null;
  }
}

/**
 * Creates the payload's elements moved by (dx, dy), through `create(kind, fields) -> entry`;
 * returns the ids of the new elements. A stroke of many points becomes a stroke entry and
 * `points` entries. What the model would refuse is left out (it validates every entry).
 */
export function createFromPayload(payload, dx, dy, create) {
  const ids = [];
  for (const source of payload.elements) {
    if (!source || typeof source !== 'object') continue;
    const fields = { ...source };
    delete fields.kind;
    let entry = null;
    if (source.kind === 'stroke' && Array.isArray(source.points) && source.points.length >= 3) {
      const points = source.points.slice(0, source.points.length - (source.points.length % 3));
      for (let i = 0; i < points.length; i += 3) {
        points[i] = round1(points[i] + dx);
        points[i + 1] = round1(points[i + 1] + dy);
      }
      entry = create('stroke', { tool: fields.tool, color: fields.color, width: fields.width, points: points.slice(0, 3 * POINTS_PER_ENTRY) });
      for (let i = 3 * POINTS_PER_ENTRY; entry && i < points.length; i += 3 * POINTS_PER_ENTRY) {
        create('points', { target: entry.id, points: points.slice(i, i + 3 * POINTS_PER_ENTRY) });
      }
    } else if (['rect', 'ellipse', 'line', 'arrow'].includes(source.kind)) {
      const { color, width, x1, y1, x2, y2 } = fields;
      entry = create(source.kind, { color, width, x1: round1(x1 + dx), y1: round1(y1 + dy), x2: round1(x2 + dx), y2: round1(y2 + dy) });
    } else if (source.kind === 'text') {
      const { color, size, x, y, text } = fields;
      entry = create('text', { color, size, x: round1(x + dx), y: round1(y + dy), text });
    } else if (source.kind === 'note') {
      const { color, size, x1, y1, x2, y2, text } = fields;
      entry = create('note', { color, size, x1: round1(x1 + dx), y1: round1(y1 + dy), x2: round1(x2 + dx), y2: round1(y2 + dy), text });
    } else if (source.kind === 'image') {
      entry = createImage(fields, dx, dy, create);
    }
    if (entry) ids.push(entry.id);
  }
  return ids;
}

/**
 * An image of a payload ({x1, y1, x2, y2, mime, width, height, data}): its `image` entry, then its
 * bytes as `image-chunk` entries; null when the model refuses it (the chunks are not made then).
 */
function createImage({ x1, y1, x2, y2, mime, width, height, data }, dx, dy, create) {
  const bytes = fromBase64(data);
  if (!bytes?.length || bytes.length > IMAGE_MAX_BYTES) return null;
  const entry = create('image', {
    x1: round1(x1 + dx), y1: round1(y1 + dy), x2: round1(x2 + dx), y2: round1(y2 + dy), mime, width, height, bytes: bytes.length, hash: sha256Hex(bytes),
  });
  if (!entry) return null;
  chunkTexts(bytes).forEach((text, index) => create('image-chunk', { target: entry.id, index, data: text }));
  return entry;
}

/** The box of a payload's elements' coordinates (no widths), or null when it has none. */
export function payloadBox(payload) {
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const add = (x, y) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    box.x0 = Math.min(box.x0, x);
    box.y0 = Math.min(box.y0, y);
    box.x1 = Math.max(box.x1, x);
    box.y1 = Math.max(box.y1, y);
  };
  for (const e of payload.elements) {
    if (e?.kind === 'stroke' && Array.isArray(e.points)) for (let i = 0; i + 1 < e.points.length; i += 3) add(e.points[i], e.points[i + 1]);
    else if (e?.kind === 'text') add(e.x, e.y);
    else if (e) {
      add(e.x1, e.y1);
      add(e.x2, e.y2);
    }
  }
  return box.x0 <= box.x1 ? box : null;
}

const round1 = (v) => Math.round(v * 10) / 10;
const round3 = (v) => Math.round(v * 1000) / 1000;
