// The board on screen: the canvas that shows the model, the overlay that shows what
// is being drawn right now, and the pointer input that turns gestures into entries.
//
// The canvases hold the logical board (BOARD.width x BOARD.height) whatever the
// window size; CSS scales them to fit. Pointer positions are mapped back to the
// logical space, so a stroke lands at the same place of the drawing everywhere.

import { BOARD, Renderer, drawEntry, drawStrokeFrom, textFont } from './render.js';

// Points of a stroke in progress are sent this often (and shown locally on the overlay meanwhile).
const FLUSH_MS = 40;
// ...or as soon as this many are waiting (the model refuses entries of more than 2000).
const MAX_POINTS_PER_FLUSH = 500;
// Our cursor is sent at most this often.
const CURSOR_MS = 50;

export class BoardView {
  #model;
  #tools;
  #actions;
  #frame; // the element holding the canvases, sized to the board's aspect ratio
  #board;
  #overlay;
  #renderer;
  #gesture = null; // what the active pointer is doing
  #dirty = false;
  #lastCursorAt = 0;
  #textInput = null;
  /** The last frame drawn: how many entries the model held, and when (performance.now()). */
  rendered = { entries: 0, at: 0 };

  /**
   * @param {object} elements {stage, frame, board, overlay}
   * @param {DrawingModel} model
   * @param {Tools} tools the current tool, colour and width
   * @param {object} actions {create(kind, fields) -> entry, cursor(x, y) | cursor(null)}
   */
  constructor({ stage, frame, board, overlay }, model, tools, actions) {
    this.#model = model;
    this.#tools = tools;
    this.#actions = actions;
    this.#frame = frame;
    this.#board = board;
    this.#overlay = overlay;
    for (const canvas of [board, overlay]) {
      canvas.width = BOARD.width;
      canvas.height = BOARD.height;
    }
    this.#renderer = new Renderer(board);

    new ResizeObserver(() => this.#fit(stage)).observe(stage);
    this.#fit(stage);
    model.addEventListener('change', () => this.invalidate());
    this.#listen(overlay);
    this.invalidate();
  }

  /** Redraws on the next frame (many changes in one frame cost one render). */
  invalidate() {
    if (this.#dirty) return;
    this.#dirty = true;
    requestAnimationFrame(() => {
      this.#dirty = false;
      this.#renderer.render(this.#model.visible());
      this.rendered = { entries: this.#model.size, at: performance.now() };
    });
  }

  /** The board as a PNG blob. */
  toBlob() {
    return new Promise((resolve) => this.#board.toBlob(resolve, 'image/png'));
  }

  // --- layout -------------------------------------------------------------------

  #fit(stage) {
    const style = getComputedStyle(stage);
    const width = stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = stage.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const scale = Math.min(width / BOARD.width, height / BOARD.height);
    this.#frame.style.width = `${Math.floor(BOARD.width * scale)}px`;
    this.#frame.style.height = `${Math.floor(BOARD.height * scale)}px`;
  }

  /** A pointer event's position on the logical board, rounded as it is sent. */
  #toBoard(event) {
    const rect = this.#overlay.getBoundingClientRect();
    return {
      x: round1(((event.clientX - rect.left) / rect.width) * BOARD.width),
      y: round1(((event.clientY - rect.top) / rect.height) * BOARD.height),
    };
  }

  // --- input --------------------------------------------------------------------

  #listen(surface) {
    surface.addEventListener('pointerdown', (e) => this.#onDown(e));
    surface.addEventListener('pointermove', (e) => this.#onMove(e));
    surface.addEventListener('pointerup', (e) => this.#onUp(e));
    surface.addEventListener('pointercancel', (e) => this.#onUp(e));
    surface.addEventListener('pointerleave', () => this.#actions.cursor(null));
    // No context menu on a long press while drawing.
    surface.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  #onDown(e) {
    if (this.#gesture || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    const at = this.#toBoard(e);
    const { tool, color, width } = this.#tools;
    if (tool === 'text') {
      this.#placeText(at, color, width);
      return;
    }
    try {
      // Keep receiving the pointer's moves when it leaves the board mid-stroke.
      this.#overlay.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser does not know (a synthetic event): nothing to capture.
    }
    if (tool === 'pencil' || tool === 'eraser') {
      const stroke = this.#actions.create('stroke', {
        tool, color, width, points: [at.x, at.y, pressureOf(e)],
      });
      // `tail` is the stroke's last point already in the model: the overlay starts there.
      this.#gesture = {
        pointerId: e.pointerId, kind: 'stroke', stroke, pending: [], tail: stroke.points, last: at, timer: null,
      };
    } else {
      this.#gesture = { pointerId: e.pointerId, kind: tool, start: at, end: at };
    }
  }

  #onMove(e) {
    const now = performance.now();
    if (now - this.#lastCursorAt >= CURSOR_MS) {
      this.#lastCursorAt = now;
      const at = this.#toBoard(e);
      this.#actions.cursor(at.x, at.y);
    }
    const gesture = this.#gesture;
    if (!gesture || gesture.pointerId !== e.pointerId) return;
    if (gesture.kind === 'stroke') {
      // Coalesced events carry the points the browser merged into this one: smoother lines.
      const events = e.getCoalescedEvents?.().length ? e.getCoalescedEvents() : [e];
      for (const event of events) this.#addPoint(gesture, this.#toBoard(event), pressureOf(event));
      // Entries stay small whatever the rate of events: flush on time, or on size.
      if (gesture.pending.length >= 3 * MAX_POINTS_PER_FLUSH) this.#flush(gesture);
      else gesture.timer ??= setTimeout(() => this.#flush(gesture), FLUSH_MS);
    } else {
      gesture.end = this.#toBoard(e);
    }
    this.#drawOverlay();
  }

  #onUp(e) {
    const gesture = this.#gesture;
    if (!gesture || gesture.pointerId !== e.pointerId) return;
    this.#gesture = null;
    if (gesture.kind === 'stroke') {
      if (e.type === 'pointerup') this.#addPoint(gesture, this.#toBoard(e), gesture.lastPressure ?? 0.5);
      this.#flush(gesture);
    } else {
      const end = e.type === 'pointerup' ? this.#toBoard(e) : gesture.end;
      const { x: x1, y: y1 } = gesture.start;
      if (Math.abs(end.x - x1) >= 1 || Math.abs(end.y - y1) >= 1) {
        const { color, width } = this.#tools;
        this.#actions.create(gesture.kind, { color, width, x1, y1, x2: end.x, y2: end.y });
      }
    }
    this.#drawOverlay();
  }

  #addPoint(gesture, at, pressure) {
    if (at.x === gesture.last.x && at.y === gesture.last.y) return;
    gesture.last = at;
    gesture.lastPressure = pressure;
    gesture.pending.push(at.x, at.y, pressure);
  }

  /** Sends the points gathered since the last flush as one `points` entry. */
  #flush(gesture) {
    clearTimeout(gesture.timer);
    gesture.timer = null;
    if (!gesture.pending.length) return;
    this.#actions.create('points', { target: gesture.stroke.id, points: gesture.pending });
    gesture.tail = gesture.pending.slice(-3);
    gesture.pending = [];
    this.#drawOverlay();
  }

  /** Shows what the local gesture will add, until it is part of the model. */
  #drawOverlay() {
    const ctx = this.#overlay.getContext('2d');
    ctx.clearRect(0, 0, BOARD.width, BOARD.height);
    const gesture = this.#gesture;
    if (!gesture) return;
    const { color, width } = this.#tools;
    if (gesture.kind === 'stroke') {
      if (!gesture.pending.length) return;
      const points = gesture.tail.concat(gesture.pending);
      drawStrokeFrom(ctx, { ...gesture.stroke, points }, 1);
    } else {
      const { x: x1, y: y1 } = gesture.start;
      drawEntry(ctx, { kind: gesture.kind, color, width, x1, y1, x2: gesture.end.x, y2: gesture.end.y });
    }
  }

  #placeText(at, color, width) {
    this.#textInput?.remove();
    const size = textSize(width);
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'text-entry';
    input.maxLength = 500;
    input.placeholder = 'Type, then Enter';
    const scale = this.#overlay.getBoundingClientRect().width / BOARD.width;
    Object.assign(input.style, {
      left: `${(at.x / BOARD.width) * 100}%`,
      top: `${(at.y / BOARD.height) * 100}%`,
      font: textFont(size * scale),
      color,
    });
    let done = false;
    const finish = (commit) => {
      if (done) return;
      done = true;
      const text = input.value.trim();
      if (commit && text) this.#actions.create('text', { color, size, x: at.x, y: at.y, text });
      input.remove();
      if (this.#textInput === input) this.#textInput = null;
    };
    input.addEventListener('keydown', (e) => {
      e.stopPropagation(); // typing is not a shortcut
      if (e.key === 'Enter') finish(true);
      if (e.key === 'Escape') finish(false);
    });
    input.addEventListener('blur', () => finish(true));
    this.#frame.append(input);
    this.#textInput = input;
    // Focus after the pointerdown that placed it has finished, or it would steal focus back.
    setTimeout(() => input.focus(), 0);
  }
}

export function textSize(width) {
  return 12 + width * 2;
}

function pressureOf(event) {
  // Mouse and most touch screens report 0.5 while pressed; some touch screens report 0.
  const p = event.pressure;
  if (!(p > 0)) return 0.5;
  return Math.round(Math.min(p, 1) * 100) / 100;
}

const round1 = (v) => Math.round(v * 10) / 10;
