// Files: the board as a JSON file (docs/FILE-FORMAT.md) to export and import, as an SVG
// document that draws what the canvas draws, and the selection as a PNG picture.
//
// A board file holds the elements as they are drawn now, in the clipboard's form (selection.js
// `toPayload`): importing one is a paste at the elements' own place, through the same
// `createFromPayload`, so the entries it makes reach the room and are stored like any drawing.

import { DrawingModel } from './model.js';
import {
  BOARD, IMAGE_PLACEHOLDER, NOTE_LINE_HEIGHT, NOTE_PADDING, arrowBarbs, drawElement, noteBox, noteInk, noteLines, textFont, widthAt,
} from './render.js';
import { createFromPayload, toPayload, unionBox } from './selection.js';
import { toBase64 } from './images.js';

export const FILE_TYPE = 'drawbridge/board';
export const FILE_VERSION = 1;
/** The most elements a file may hold (a board of 20,000 elements exports and imports whole). */
export const MAX_FILE_ELEMENTS = 50_000;

/** The board file of elements (in drawing order, as the model lays them out). */
export function toBoardFile(elements, roomId) {
  const { elements: drawn } = toPayload(elements);
  return { type: FILE_TYPE, version: FILE_VERSION, room: roomId, exportedAt: new Date().toISOString(), elements: drawn };
}

/**
 * A board file's text checked whole: {payload} to give to `createFromPayload`, or {error}, a
 * sentence for the person who picked the file. Every element must be one the model accepts
 * (tried on a throwaway model, the one set of rules), or nothing of the file is taken.
 */
export function parseBoardFile(text) {
  let file;
  try {
    file = JSON.parse(text);
  } catch {
    return { error: 'This file is not JSON, so it is not a Drawbridge board file.' };
  }
  if (file?.type !== FILE_TYPE || !Array.isArray(file.elements)) {
    return { error: 'This JSON file is not a Drawbridge board file (it lacks "type": "drawbridge/board" and its elements).' };
  }
  if (file.version !== FILE_VERSION) {
    return { error: `This board file is of version ${JSON.stringify(file.version)}; this app reads version ${FILE_VERSION}.` };
  }
  if (file.elements.length > MAX_FILE_ELEMENTS) {
    return { error: `This board file holds ${file.elements.length} elements; at most ${MAX_FILE_ELEMENTS} can be imported.` };
  }
  const probe = new DrawingModel('file');
  for (let i = 0; i < file.elements.length; i++) {
    const one = { elements: [file.elements[i]] };
    if (createFromPayload(one, 0, 0, (kind, fields) => probe.createChecked(kind, fields)).length !== 1) {
      return { error: `Element ${i + 1} of this board file is not one Drawbridge can draw; nothing was imported.` };
    }
  }
  return { payload: { elements: file.elements } };
}

/**
 * What an export of the selection holds: the selected elements, and the eraser strokes drawn
 * after the first of them that touch their box (they erase part of the selection on the board,
 * and are never selected themselves). With no selection: everything on the board.
 */
export function exportedElements(visible, selected) {
  if (!selected.length) return visible;
  const ids = new Set(selected.map((element) => element.id));
  const box = unionBox(selected);
  const first = visible.findIndex((element) => ids.has(element.id));
  const touches = ({ bounds: b }) => b.x0 <= box.x1 && b.x1 >= box.x0 && b.y0 <= box.y1 && b.y1 >= box.y0;
  return visible.filter((element, index) => ids.has(element.id)
    || (index > first && element.kind === 'stroke' && element.entry.tool === 'eraser' && touches(element)));
}

// --- SVG ----------------------------------------------------------------------------------

const MARGIN = 10; // world units around the drawing

/**
 * An SVG document of elements (drawing order, as laid out), drawn as render.js draws them: a
 * stroke is a dot at its first point and one path per run of segments of one width, with round
 * caps and joins; eraser strokes paint the board's white, as on the canvas. Each element is a
 * `<g class="element" data-kind="...">`, its coordinates in world units. The viewBox is the
 * world box of what is drawn (eraser strokes left out) with a margin; with nothing, the default view.
 */
export function toSvg(elements) {
  const box = drawnBox(elements);
  const [x, y, w, h] = box
    ? [box.x0 - MARGIN, box.y0 - MARGIN, box.x1 - box.x0 + 2 * MARGIN, box.y1 - box.y0 + 2 * MARGIN]
    : [0, 0, BOARD.width, BOARD.height];
  const view = [x, y, w, h].map(num).join(' ');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${view}" width="${num(w)}" height="${num(h)}">`,
    `<rect class="background" x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${BOARD.background}"/>`,
  ];
  const notes = { measure: null, count: 0 };
  for (const element of elements) lines.push(elementSvg(element, notes));
  lines.push('</svg>', '');
  return lines.join('\n');
}

/** The world box of what elements draw: eraser strokes paint the background only, they do not widen the picture. */
function drawnBox(elements) {
  return unionBox(elements.filter((e) => !(e.kind === 'stroke' && e.entry.tool === 'eraser')));
}

function elementSvg(element, notes) {
  if (element.kind === 'stroke') {
    const { tool, color, width } = element.entry;
    return `<g class="element" data-kind="stroke"${tool === 'eraser' ? ' data-tool="eraser"' : ''}>${strokeSvg(element.parts, tool === 'eraser' ? BOARD.background : color, width)}</g>`;
  }
  const s = element.shape;
  const g = (inner) => `<g class="element" data-kind="${s.kind}">${inner}</g>`;
  if (s.kind === 'text') {
    // textBaseline 'top' on the canvas: the top of the em box at y.
    return g(`<text x="${num(s.x)}" y="${num(s.y)}" fill="${s.color}" dominant-baseline="text-before-edge" style="font: ${textFont(num(s.size))}; white-space: pre">${escapeXml(s.text)}</text>`);
  }
  if (s.kind === 'note') return g(noteSvg(s, notes));
  if (s.kind === 'image') {
    // The picture stretched over its box, its bytes in a data: URI (the placeholder while they are not all here).
    const { x, y, w, h } = noteBox(s);
    const box = `x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}"`;
    if (!element.image?.bytes) return g(`<rect ${box} fill="${IMAGE_PLACEHOLDER.fill}" stroke="${IMAGE_PLACEHOLDER.edge}" stroke-width="1"/>`);
    return g(`<image ${box} preserveAspectRatio="none" href="data:${s.mime};base64,${toBase64(element.image.bytes)}"/>`);
  }
  if (s.kind === 'line' || s.kind === 'arrow') {
    // As render.js draws them: the segment with round ends, an arrow's barbs one path through its tip.
    const round = `fill="none" stroke="${s.color}" stroke-width="${num(s.width)}" stroke-linecap="round" stroke-linejoin="round"`;
    let d = `M${num(s.x1)} ${num(s.y1)}L${num(s.x2)} ${num(s.y2)}`;
    const barbs = s.kind === 'arrow' ? arrowBarbs(s) : [];
    if (barbs.length) d += `M${num(barbs[0][0])} ${num(barbs[0][1])}L${num(s.x2)} ${num(s.y2)}L${num(barbs[1][0])} ${num(barbs[1][1])}`;
    return g(`<path d="${d}" ${round}/>`);
  }
  const [x0, y0] = [Math.min(s.x1, s.x2), Math.min(s.y1, s.y2)];
  const [w, h] = [Math.abs(s.x2 - s.x1), Math.abs(s.y2 - s.y1)];
  const paint = `fill="none" stroke="${s.color}" stroke-width="${num(s.width)}" stroke-linejoin="round"`;
  if (s.kind === 'rect') return g(`<rect x="${num(x0)}" y="${num(y0)}" width="${num(w)}" height="${num(h)}" ${paint}/>`);
  return g(`<ellipse cx="${num(x0 + w / 2)}" cy="${num(y0 + h / 2)}" rx="${num(w / 2)}" ry="${num(h / 2)}" ${paint}/>`);
}

/**
 * A note as render.js draws it: its box filled, the faint edge, and the same lines of text (wrapped
 * by the same measure, on a canvas of this page) clipped to the box. `notes` numbers the clip paths.
 */
function noteSvg(s, notes) {
  const { x, y, w, h } = noteBox(s);
  const box = `x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}"`;
  const out = [
    `<rect ${box} fill="${s.color}"/>`,
    `<rect x="${num(x + 0.5)}" y="${num(y + 0.5)}" width="${num(Math.max(0, w - 1))}" height="${num(Math.max(0, h - 1))}" fill="none" stroke="#000000" stroke-opacity="0.18" stroke-width="1"/>`,
  ];
  notes.measure ??= new OffscreenCanvas(1, 1).getContext('2d');
  const lines = noteLines(notes.measure, s);
  if (!lines.length) return out.join('');
  const id = `note-clip-${++notes.count}`;
  const pad = NOTE_PADDING * s.size;
  const spans = lines.map((line, k) => `<tspan x="${num(x + pad)}" y="${num(y + pad + k * NOTE_LINE_HEIGHT * s.size)}">${escapeXml(line)}</tspan>`);
  out.push(
    `<clipPath id="${id}"><rect ${box}/></clipPath>`,
    `<text clip-path="url(#${id})" fill="${noteInk(s.color)}" dominant-baseline="text-before-edge" style="font: ${textFont(num(s.size))}; white-space: pre">${spans.join('')}</text>`,
  );
  return out.join('');
}

/** The stroke's dot and paths, in the order and widths of render.js `drawStrokeParts`. */
function strokeSvg(parts, color, width) {
  const out = [];
  const points = parts.flat();
  if (!points.length) return '';
  out.push(`<circle cx="${num(points[0])}" cy="${num(points[1])}" r="${num(widthAt(width, points[2]) / 2)}" fill="${color}"/>`);
  let d = '';
  let runWidth = -1;
  const end = () => {
    if (runWidth >= 0) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${num(runWidth)}" stroke-linecap="round" stroke-linejoin="round"/>`);
  };
  for (let i = 3; i < points.length; i += 3) {
    const w = widthAt(width, (points[i - 1] + points[i + 2]) / 2);
    if (w !== runWidth) {
      end();
      runWidth = w;
      d = `M${num(points[i - 3])} ${num(points[i - 2])}`;
    }
    d += `L${num(points[i])} ${num(points[i + 1])}`;
  }
  end();
  return out.join('');
}

// --- PNG ----------------------------------------------------------------------------------

// A PNG of the selection has at most this many pixels on a side, and in all (a canvas larger than
// that is refused by browsers, or costs hundreds of megabytes): a larger selection is scaled down.
const PNG_MAX_SIDE = 8192;
const PNG_MAX_PIXELS = 16_777_216;

/**
 * A PNG (a Blob) of elements (drawing order, as laid out; `exportedElements` of a selection),
 * drawn with render.js's own calls, as the board's tiles draw them, on the board's white: the
 * world box of what is drawn (eraser strokes left out) with the SVG's margin, widened to whole
 * world units, at one pixel per world unit (the board at zoom 1), scaled down only to stay
 * within PNG_MAX_SIDE and PNG_MAX_PIXELS. Null when nothing is drawn.
 */
export function toPng(elements) {
  const box = drawnBox(elements);
  if (!box) return null;
  const x = Math.floor(box.x0 - MARGIN);
  const y = Math.floor(box.y0 - MARGIN);
  const [w, h] = [Math.ceil(box.x1 + MARGIN) - x, Math.ceil(box.y1 + MARGIN) - y];
  const scale = Math.min(1, PNG_MAX_SIDE / w, PNG_MAX_SIDE / h, Math.sqrt(PNG_MAX_PIXELS / (w * h)));
  const canvas = new OffscreenCanvas(Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)));
  const ctx = canvas.getContext('2d', { alpha: false });
  ctx.fillStyle = BOARD.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(scale, 0, 0, scale, -x * scale, -y * scale);
  for (const element of elements) drawElement(ctx, element);
  return canvas.convertToBlob({ type: 'image/png' });
}

const num = (v) => String(Math.round(v * 100) / 100);
const escapeXml = (text) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Offers `data` (a Blob) as a download named `name`. */
export function download(data, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(data);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
