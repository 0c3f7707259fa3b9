// Drawing entries onto a 2D canvas context, in logical board coordinates.
//
// Every peer renders the same entries with the same calls, so the same entries
// give the same pixels. For that reason a stroke is always drawn as separate
// segments, whether it is drawn whole or a few new points at a time.

/** The logical board: every peer's coordinates live in this space; views scale it. */
export const BOARD = Object.freeze({ width: 1600, height: 900, background: '#ffffff' });

/** Pressure 0.5 (a mouse, or a pen at rest) gives the chosen width; 0 to 1 gives 0.25x to 1.75x. */
export function widthAt(width, pressure) {
  return width * (0.25 + 1.5 * pressure);
}

export function textFont(size) {
  return `${size}px system-ui, sans-serif`;
}

export function clearBoard(ctx) {
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = BOARD.background;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.restore();
}

/** Draws a whole entry. */
export function drawEntry(ctx, entry) {
  switch (entry.kind) {
    case 'stroke': return drawStrokeFrom(ctx, entry, 0);
    case 'rect': return drawShape(ctx, entry, (x, y, w, h) => ctx.rect(x, y, w, h));
    case 'ellipse': return drawShape(ctx, entry, (x, y, w, h) => {
      ctx.ellipse(x + w / 2, y + h / 2, w / 2, h / 2, 0, 0, 2 * Math.PI);
    });
    case 'text': return drawText(ctx, entry);
    default: return undefined; // clear: the renderer starts after it
  }
}

/**
 * Draws a stroke's points from point index `from` on (each segment ends at a point,
 * so drawing [0, n) and then [n, m) is the same as drawing [0, m)).
 */
export function drawStrokeFrom(ctx, stroke, from) {
  const p = stroke.points;
  const count = p.length / 3;
  const color = stroke.tool === 'eraser' ? BOARD.background : stroke.color;
  ctx.save();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  for (let i = Math.max(from, 0); i < count; i++) {
    const x = p[3 * i];
    const y = p[3 * i + 1];
    if (i === 0) {
      // A stroke starts with a dot, so a tap leaves a mark.
      ctx.beginPath();
      ctx.arc(x, y, widthAt(stroke.width, p[2]) / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.lineWidth = widthAt(stroke.width, (p[3 * i - 1] + p[3 * i + 2]) / 2);
    ctx.moveTo(p[3 * i - 3], p[3 * i - 2]);
    ctx.lineTo(x, y);
    ctx.stroke();
  }
  ctx.restore();
}

function drawShape(ctx, { x1, y1, x2, y2, color, width }, path) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  path(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
  ctx.stroke();
  ctx.restore();
}

function drawText(ctx, { x, y, text, color, size }) {
  ctx.save();
  ctx.fillStyle = color;
  ctx.font = textFont(size);
  ctx.textBaseline = 'top';
  ctx.fillText(text, x, y);
  ctx.restore();
}

/**
 * Keeps a canvas equal to the model's picture, redrawing only what is new when the
 * new picture extends the old one (the common case: someone is drawing on top).
 */
export class Renderer {
  #ctx;
  #drawn = []; // [{id, points}] as currently on the canvas, in order

  constructor(canvas) {
    this.#ctx = canvas.getContext('2d', { willReadFrequently: false });
    clearBoard(this.#ctx);
  }

  render(entries) {
    const ctx = this.#ctx;
    const from = this.#extendsDrawn(entries);
    if (from < 0) {
      clearBoard(ctx);
      entries.forEach((entry) => drawEntry(ctx, entry));
    } else {
      const last = this.#drawn.length - 1;
      if (last >= 0 && entries[last].kind === 'stroke') {
        drawStrokeFrom(ctx, entries[last], this.#drawn[last].points);
      }
      for (let i = last + 1; i < entries.length; i++) drawEntry(ctx, entries[i]);
    }
    this.#drawn = entries.map((e) => ({ id: e.id, points: pointCount(e) }));
  }

  /** -1 if a full redraw is needed, else the index from which entries are new. */
  #extendsDrawn(entries) {
    const drawn = this.#drawn;
    if (entries.length < drawn.length) return -1;
    for (let i = 0; i < drawn.length; i++) {
      if (entries[i].id !== drawn[i].id) return -1;
      const points = pointCount(entries[i]);
      // Only the topmost entry may have grown: growing one below would paint over those above.
      if (i < drawn.length - 1 ? points !== drawn[i].points : points < drawn[i].points) return -1;
    }
    return drawn.length;
  }
}

function pointCount(entry) {
  return entry.kind === 'stroke' ? entry.points.length / 3 : 0;
}
