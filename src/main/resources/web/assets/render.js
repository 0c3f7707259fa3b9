// Drawing elements onto a 2D canvas context, in world coordinates (docs/RENDERING.md).
//
// Every peer renders the same elements with the same calls, so the same entries give the same
// pixels at the same view. The calls of a stroke depend only on its entries, each of which is
// immutable: a stroke is a dot at its first point, then, for each of its parts (its own points,
// then each `points` entry's), the segments that end at the part's points, as one path per run
// of consecutive segments of equal width. So drawing a stroke whole, or its first parts and later
// the others, makes the same calls in the same order.

import { arrowHeadLength } from './model.js';

/** The default view: world (0, 0) to (1600, 900) fills the canvas at zoom 1. */
export const BOARD = Object.freeze({ width: 1600, height: 900, background: '#ffffff' });

/** Pressure 0.5 (a mouse, or a pen at rest) gives the chosen width; 0 to 1 gives 0.25x to 1.75x. */
export function widthAt(width, pressure) {
  return width * (0.25 + 1.5 * pressure);
}

export function textFont(size) {
  return `${size}px system-ui, sans-serif`;
}

/** Draws an element (model.js `newElement`) whole, as its transform puts it. */
export function drawElement(ctx, element) {
  if (element.kind === 'stroke') drawStrokeParts(ctx, element.entry, element.parts, 0);
  else if (element.kind === 'image') drawImage(ctx, element.shape, element.image?.bitmap);
  else drawEntry(ctx, element.shape);
}

/** Draws a shape, a text or a note entry (a stroke entry: its own points only). */
export function drawEntry(ctx, entry) {
  switch (entry.kind) {
    case 'stroke': return drawStrokeParts(ctx, entry, [entry.points], 0);
    case 'rect': return drawShape(ctx, entry, (x, y, w, h) => ctx.rect(x, y, w, h));
    case 'ellipse': return drawShape(ctx, entry, (x, y, w, h) => {
      ctx.ellipse(x + w / 2, y + h / 2, w / 2, h / 2, 0, 0, 2 * Math.PI);
    });
    case 'line':
    case 'arrow': return drawSegment(ctx, entry);
    case 'text': return drawText(ctx, entry);
    case 'note': return drawNote(ctx, entry);
    case 'image': return drawImage(ctx, entry, null);
    default: return undefined; // clear: the renderer starts after it
  }
}

/**
 * Draws a stroke's parts from part index `from` on. Part 0 starts with the dot (so a tap leaves
 * a mark); the first segment of a later part joins the previous part's last point to its first.
 */
export function drawStrokeParts(ctx, stroke, parts, from) {
  const color = stroke.tool === 'eraser' ? BOARD.background : stroke.color;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  for (let k = Math.max(from, 0); k < parts.length; k++) {
    const p = parts[k];
    if (!p.length) continue;
    let px;
    let py;
    let pp;
    let i = 0;
    if (k === 0) {
      ctx.beginPath();
      ctx.arc(p[0], p[1], widthAt(stroke.width, p[2]) / 2, 0, 2 * Math.PI);
      ctx.fill();
      [px, py, pp] = [p[0], p[1], p[2]];
      i = 3;
    } else {
      const q = lastPoint(parts, k);
      if (!q) continue;
      [px, py, pp] = q;
    }
    let runWidth = -1;
    for (; i < p.length; i += 3) {
      const width = widthAt(stroke.width, (pp + p[i + 2]) / 2);
      if (width !== runWidth) {
        if (runWidth >= 0) ctx.stroke();
        runWidth = width;
        ctx.lineWidth = width;
        ctx.beginPath();
        ctx.moveTo(px, py);
      }
      ctx.lineTo(p[i], p[i + 1]);
      [px, py, pp] = [p[i], p[i + 1], p[i + 2]];
    }
    if (runWidth >= 0) ctx.stroke();
  }
}

/** The last point of the parts before part `k`, or null (the stroke has none yet). */
function lastPoint(parts, k) {
  for (let j = k - 1; j >= 0; j--) {
    const p = parts[j];
    if (p.length) return [p[p.length - 3], p[p.length - 2], p[p.length - 1]];
  }
  return null;
}

/** The world box that parts `from`.. of a stroke paint (with the segment joining them to the rest). */
export function partsBounds(stroke, parts, from) {
  const m = 0.875 * stroke.width + 1;
  const b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const add = (x, y) => {
    if (x - m < b.x0) b.x0 = x - m;
    if (x + m > b.x1) b.x1 = x + m;
    if (y - m < b.y0) b.y0 = y - m;
    if (y + m > b.y1) b.y1 = y + m;
  };
  const before = from > 0 ? lastPoint(parts, from) : null;
  if (before) add(before[0], before[1]);
  for (let k = from; k < parts.length; k++) {
    const p = parts[k];
    for (let i = 0; i < p.length; i += 3) add(p[i], p[i + 1]);
  }
  return b;
}

function drawShape(ctx, { x1, y1, x2, y2, color, width }, path) {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'butt';
  ctx.beginPath();
  path(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
  ctx.stroke();
}

// The barbs of an arrow's head open this far (radians) to each side of the shaft.
const ARROW_HEAD_ANGLE = Math.PI / 6;

/**
 * The ends of an arrow's two barbs, [[x, y], [x, y]], drawn from its tip (x2, y2) back towards
 * (x1, y1); none for an arrow without length (its direction is unknown).
 */
export function arrowBarbs({ x1, y1, x2, y2, width }) {
  const length = Math.hypot(x2 - x1, y2 - y1);
  if (length < 1e-9) return [];
  const back = Math.atan2(y1 - y2, x1 - x2);
  const head = arrowHeadLength(width);
  return [back - ARROW_HEAD_ANGLE, back + ARROW_HEAD_ANGLE].map((a) => [x2 + head * Math.cos(a), y2 + head * Math.sin(a)]);
}

/** A line or an arrow: the segment with round ends, and an arrow's barbs as one path through its tip. */
function drawSegment(ctx, entry) {
  ctx.strokeStyle = entry.color;
  ctx.lineWidth = entry.width;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(entry.x1, entry.y1);
  ctx.lineTo(entry.x2, entry.y2);
  const barbs = entry.kind === 'arrow' ? arrowBarbs(entry) : [];
  if (barbs.length) {
    ctx.moveTo(...barbs[0]);
    ctx.lineTo(entry.x2, entry.y2);
    ctx.lineTo(...barbs[1]);
  }
  ctx.stroke();
}

function drawText(ctx, { x, y, text, color, size }) {
  ctx.fillStyle = color;
  ctx.font = textFont(size);
  ctx.textBaseline = 'top';
  ctx.fillText(text, x, y);
}

// --- images ---------------------------------------------------------------------------

/** What an image shows until its bytes are all here and decoded: a light box with a faint edge. */
export const IMAGE_PLACEHOLDER = Object.freeze({ fill: '#e8e8e8', edge: '#b4b4b4' });

/** An image stretched over its box, or (no bitmap yet) its placeholder. */
function drawImage(ctx, shape, bitmap) {
  const { x, y, w, h } = noteBox(shape);
  if (bitmap) {
    ctx.drawImage(bitmap, x, y, w, h);
    return;
  }
  ctx.fillStyle = IMAGE_PLACEHOLDER.fill;
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = IMAGE_PLACEHOLDER.edge;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(x + 0.5, y + 0.5, Math.max(0, w - 1), Math.max(0, h - 1));
}

// --- sticky notes ---------------------------------------------------------------------

/** A note's text starts this far (times its text size) inside its box; its lines are this far apart. */
export const NOTE_PADDING = 0.5;
export const NOTE_LINE_HEIGHT = 1.25;

/** The box of a note: {x, y, w, h} from its two corners. */
export function noteBox({ x1, y1, x2, y2 }) {
  return { x: Math.min(x1, x2), y: Math.min(y1, y2), w: Math.abs(x2 - x1), h: Math.abs(y2 - y1) };
}

/**
 * The colour of a note's text: black on a light background, white on a dark one (whichever
 * contrasts more, by WCAG's relative luminance), so a note of any colour of the swatch is readable.
 */
export function noteInk(background) {
  const channel = (i) => {
    const c = parseInt(background.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with black, (L + 0.05) / 0.05, beats contrast with white, 1.05 / (L + 0.05), above this.
  return luminance > 0.179 ? '#000000' : '#ffffff';
}

/** A note: its box filled with its colour, a faint edge, and its text wrapped to its width, clipped to the box. */
function drawNote(ctx, note) {
  const { x, y, w, h } = noteBox(note);
  ctx.fillStyle = note.color;
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = 'rgb(0 0 0 / 0.18)';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(x + 0.5, y + 0.5, Math.max(0, w - 1), Math.max(0, h - 1));
  const lines = noteLines(ctx, note);
  if (!lines.length) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.fillStyle = noteInk(note.color);
  ctx.textBaseline = 'top';
  const pad = NOTE_PADDING * note.size;
  for (let k = 0; k < lines.length; k++) ctx.fillText(lines[k], x + pad, y + pad + k * NOTE_LINE_HEIGHT * note.size);
  ctx.restore();
}

// A note's lines, by the shape they were wrapped for (a shape is the model's, replaced when the
// note is moved, resized or retexted): each tile and frame that draws the note wraps it once.
const wrapped = new WeakMap();

/**
 * The lines of a note's text as drawn: each line of the text (the text's own line breaks) wrapped
 * at spaces to the box's width less the padding, a word wider than that broken between
 * characters; only the lines that start inside the box. Sets `ctx.font` to the note's font.
 */
export function noteLines(ctx, note) {
  ctx.font = textFont(note.size);
  if (!note.text || !(note.size > 0)) return [];
  const cached = wrapped.get(note);
  if (cached) return cached;
  const { w, h } = noteBox(note);
  const pad = NOTE_PADDING * note.size;
  const width = w - 2 * pad;
  const most = Math.max(1, Math.ceil((h - pad) / (NOTE_LINE_HEIGHT * note.size)));
  const fits = (text) => ctx.measureText(text).width <= width;
  const lines = [];
  for (const paragraph of note.text.split('\n')) {
    let line = '';
    for (const token of paragraph.split(/(\s+)/)) {
      if (!token) continue;
      if (fits(line + token)) {
        line += token;
        continue;
      }
      if (/^\s+$/.test(token)) continue; // spaces where a line breaks are not drawn
      if (line.trim()) lines.push(line.trimEnd());
      line = '';
      if (fits(token)) {
        line = token;
        continue;
      }
      // A word too wide for a line of its own is broken between characters.
      for (const char of token) {
        if (line && !fits(line + char)) {
          lines.push(line);
          line = '';
        }
        line += char;
      }
    }
    lines.push(line.trimEnd());
    if (lines.length >= most) break;
  }
  const shown = lines.slice(0, most);
  wrapped.set(note, shown);
  return shown;
}
