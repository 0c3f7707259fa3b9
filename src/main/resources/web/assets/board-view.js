// The board on screen: the canvas that shows the model at this page's view, the overlay that
// shows what is being drawn right now, and the pointer input that turns gestures into entries,
// pans and zooms.
//
// The canvases hold BOARD.width x BOARD.height pixels whatever the window size; CSS scales them
// to fit. Pointer positions are mapped through the view to world coordinates, so a stroke lands
// at the same place of the world for everyone, whatever each one's view.

import {
  BOARD, NOTE_LINE_HEIGHT, NOTE_PADDING, drawElement, drawEntry, drawStrokeParts, noteBox, noteInk, textFont,
} from './render.js';
import { TiledRenderer } from './tiles.js';
import { View, LEVELS_PER_DOUBLING, MIN_LEVEL, MAX_LEVEL, zoomOf } from './view.js';
import { MAX_NOTE_TEXT, previewElement } from './model.js';
import { decodeImage, toBase64 } from './images.js';
import {
  chunks, createFromPayload, handles, hitTest, inBox, payloadBox, scaleFor, selectable, toPayload, unionBox,
} from './selection.js';

// Points of a stroke in progress are sent this often (and shown locally on the overlay meanwhile).
const FLUSH_MS = 40;
// ...or as soon as this many are waiting (the model refuses entries of more than 2000).
const MAX_POINTS_PER_FLUSH = 500;
// Our cursor is sent at most this often.
const CURSOR_MS = 50;
// The laser pointer's points are sent (and drawn) at most this often: a smooth trail for the others.
const LASER_MS = 25;
// A touch waits this long (or this many canvas pixels of movement) before it draws, so that a
// second finger arriving meanwhile makes it a pinch instead of a stroke.
const TOUCH_SETTLE_MS = 60;
const TOUCH_SETTLE_PX = 6;
// ctrl + wheel: deltaY of this many pixels is one zoom level (a sixteenth of a doubling).
const WHEEL_PIXELS_PER_LEVEL = 25;
// A frame asked for is drawn by this time even without an animation frame (a hidden page).
const FRAME_FALLBACK_MS = 250;
// The select tool: how near (canvas pixels) a click must be to an element or a handle, a
// handle's size, and how far a duplicate lands from its original (world units).
const HIT_PX = 5;
const HANDLE_PX = 10;
const DUPLICATE_OFFSET = 20;
const SELECTION_COLOR = '#1f6feb';
// The tools drawn by a drag from one corner or end to the other.
const SHAPE_TOOLS = new Set(['rect', 'ellipse', 'line', 'arrow']);
// With Shift held, a line or an arrow points in a multiple of this angle.
const SNAP_ANGLE = Math.PI / 12;
// A new sticky note: a square of this many world units centred where it is placed, and its text size.
const NOTE_SIZE = 200;
const NOTE_TEXT_SIZE = 20;
// A new image takes at most this share of the width and the height of the view (else its pixels, one world unit each).
const IMAGE_VIEW_SHARE = 0.8;

export class BoardView extends EventTarget {
  #model;
  #tools;
  #actions;
  #frame; // the element holding the canvases, sized to the board's aspect ratio
  #board;
  #overlay;
  #renderer;
  #gesture = null; // what the active pointer is doing
  #touches = new Map(); // pointerId -> {x, y} canvas pixels, of touches down on the board
  #spaceHeld = false;
  #wheelLevel = null; // ctrl + wheel: the fractional zoom level, between events
  #dirty = false;
  #overlayStale = false; // the selection box is to be drawn again with the next frame
  #holds = 0; // frames are held while this is above 0 (holdFrames)
  #frameRequest = 0;
  #lastCursorAt = 0;
  #cursorTimer = null; // a send of our cursor held back by CURSOR_MS
  #cursorAt = null; // the position it sends
  #textInput = null;
  #noteEditor = null; // the open note editor: {area, place(), finish()}
  #selection = new Set(); // ids of the selected elements
  #pointer = null; // the last pointer position over the board, in world units (where a paste goes)
  #decoding = 0; // images being decoded: their places are drawn again when they are
  /** This page's view of the world (view.js). */
  view = new View();
  /** The last complete frame drawn: how many entries the model held, and when (performance.now()). */
  rendered = { entries: 0, at: 0 };

  /**
   * @param {object} elements {stage, frame, board, overlay}
   * @param {DrawingModel} model
   * @param {Tools} tools the current tool, colour and width
   * @param {object} actions {create(kind, fields) -> entry, edit(build) -> entries: `build(create)`
   *   creates the entries of one edit (one undo step) with `create(kind, fields) -> entry | null`
   *   (null: an invalid entry, not made), cursor(x, y) | cursor(null),
   *   laser(x, y) | laser(null): the laser pointer's trail, a point or its end}
   */
  constructor({ stage, frame, board, overlay }, model, tools, actions) {
    super();
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
    this.#renderer = new TiledRenderer(board, model, this.view);

    new ResizeObserver(() => {
      this.#fit(stage);
      this.#noteEditor?.place();
    }).observe(stage);
    this.#fit(stage);
    model.addEventListener('change', () => {
      this.invalidate();
      if (this.#selection.size) this.#overlayStale = true;
      this.#noteEditor?.place(); // the note may have moved
    });
    // An image whose bytes are all here is decoded, then its place drawn again with the picture.
    model.addEventListener('image', ({ detail: { element } }) => {
      this.#decoding++;
      decodeImage(element.image).then((made) => {
        if (made) model.redraw(element.id);
      }).finally(() => {
        this.#decoding--;
        this.invalidate();
      });
    });
    this.view.addEventListener('change', () => {
      this.invalidate();
      this.#drawOverlay();
      this.#noteEditor?.place();
      this.dispatchEvent(new Event('view'));
    });
    tools.addEventListener('change', () => this.#showCursor());
    this.#listen(stage, overlay);
    this.#showCursor();
    this.invalidate();
  }

  /** Redraws on the next frame (many changes in one frame cost one render), until complete. */
  invalidate() {
    if (this.#dirty) return;
    this.#dirty = true;
    // A hidden or throttled page gets no animation frames: the timer draws then, so that the
    // picture still completes (whichever of the two runs first draws; the other does nothing).
    const request = ++this.#frameRequest;
    const run = () => {
      if (this.#dirty && this.#frameRequest === request) this.#render();
    };
    requestAnimationFrame(run);
    setTimeout(run, FRAME_FALLBACK_MS);
  }

  #render() {
    this.#dirty = false;
    if (this.#holds) return; // drawn when the hold ends
    if (this.#renderer.frame()) this.rendered = { entries: this.#model.size, at: performance.now() };
    else this.invalidate(); // tiles left to draw: more next frame
    if (this.#overlayStale) {
      this.#overlayStale = false;
      this.#pruneSelection();
      this.#drawOverlay();
    }
  }

  /** True when the canvas shows the whole picture of the model at the view, with no frame pending. */
  get settled() {
    return !this.#dirty && this.#decoding === 0 && this.rendered.entries === this.#model.size;
  }

  /** The picture of the default view now, as RGBA tiles for a snapshot (tiles.js `picture`). */
  picture() {
    return this.#renderer.picture();
  }

  /** Draws no frame until `promise` settles (a snapshot's picture is on its way), then redraws. */
  holdFrames(promise) {
    this.#holds++;
    promise.finally(() => {
      this.#holds--;
      this.invalidate();
    }).catch(() => {});
  }

  /** Shows a snapshot's picture ([{i, j, bitmap}]) as the model's picture now (tiles.js `seed`). */
  seed(tiles) {
    this.#renderer.seed(tiles);
    this.invalidate();
  }

  /** The board as a PNG blob: the picture at this page's view. */
  toBlob() {
    return new Promise((resolve) => this.#board.toBlob(resolve, 'image/png'));
  }

  /** Zooms by `steps` levels around the canvas's centre (the +/- buttons). */
  zoomBy(steps) {
    this.view.zoomAt(this.view.level + steps * (LEVELS_PER_DOUBLING / 4), BOARD.width / 2, BOARD.height / 2);
  }

  /** Shows every element of the picture (or the default view when there is none). */
  zoomToFit() {
    const elements = this.#model.visible();
    if (!elements.length) {
      this.view.reset();
      return;
    }
    const all = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (const { bounds: b } of elements) {
      all.x0 = Math.min(all.x0, b.x0);
      all.y0 = Math.min(all.y0, b.y0);
      all.x1 = Math.max(all.x1, b.x1);
      all.y1 = Math.max(all.y1, b.y1);
    }
    this.view.fit(all, BOARD.width, BOARD.height);
  }

  /** Where a world point shows, as fractions (0 to 1) of the board on screen. */
  toScreenFraction(x, y) {
    const at = this.view.toCanvas(x, y);
    return { x: at.x / BOARD.width, y: at.y / BOARD.height };
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

  /** An event's position in canvas pixels. */
  #toCanvas(event) {
    const rect = this.#overlay.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * BOARD.width,
      y: ((event.clientY - rect.top) / rect.height) * BOARD.height,
    };
  }

  /** A pointer event's position in the world, rounded as it is sent. */
  #toWorld(event) {
    const at = this.#toCanvas(event);
    const world = this.view.toWorld(at.x, at.y);
    return { x: round1(world.x), y: round1(world.y) };
  }

  // --- input --------------------------------------------------------------------

  #listen(stage, surface) {
    surface.addEventListener('pointerdown', (e) => this.#onDown(e));
    surface.addEventListener('pointermove', (e) => this.#onMove(e));
    surface.addEventListener('pointerup', (e) => this.#onUp(e));
    surface.addEventListener('pointercancel', (e) => this.#onUp(e));
    surface.addEventListener('pointerleave', () => {
      clearTimeout(this.#cursorTimer);
      this.#cursorTimer = null;
      this.#actions.cursor(null);
    });
    // A double click on a note with the select tool edits its text.
    surface.addEventListener('dblclick', (e) => this.#onDoubleClick(e));
    // No context menu on a long press while drawing.
    surface.addEventListener('contextmenu', (e) => e.preventDefault());
    // The wheel pans, ctrl/⌘ + wheel (and a trackpad's pinch) zooms; never the page.
    stage.addEventListener('wheel', (e) => this.#onWheel(e), { passive: false });
    // Safari's own pinch gestures: the board takes them instead.
    for (const type of ['gesturestart', 'gesturechange']) stage.addEventListener(type, (e) => e.preventDefault());
    window.addEventListener('keydown', (e) => {
      if (e.code !== 'Space' || e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      e.preventDefault(); // no page scroll, no button press
      this.#spaceHeld = true;
      this.#showCursor();
    });
    window.addEventListener('keyup', (e) => {
      if (e.code !== 'Space') return;
      this.#spaceHeld = false;
      this.#showCursor();
    });
    window.addEventListener('blur', () => {
      this.#spaceHeld = false;
      this.#showCursor();
    });
  }

  #showCursor() {
    const panning = this.#spaceHeld || this.#tools.tool === 'hand' || this.#gesture?.kind === 'pan';
    const selecting = this.#tools.tool === 'select';
    this.#overlay.dataset.cursor = this.#gesture?.kind === 'pan' ? 'grabbing' : panning ? 'grab' : selecting ? 'select' : 'draw';
    if (!selecting && this.#selection.size) this.deselect();
  }

  #onWheel(e) {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1; // lines, pages, pixels
    const scale = BOARD.width / this.#overlay.getBoundingClientRect().width; // CSS to canvas pixels
    if (e.ctrlKey || e.metaKey) {
      const at = this.#toCanvas(e);
      this.#wheelLevel ??= this.view.level;
      this.#wheelLevel -= (e.deltaY * unit) / WHEEL_PIXELS_PER_LEVEL;
      this.view.zoomAt(Math.round(this.#wheelLevel), at.x, at.y);
      this.#wheelLevel = Math.max(this.view.level - 0.5, Math.min(this.view.level + 0.5, this.#wheelLevel));
    } else {
      this.#wheelLevel = null;
      // shift + wheel scrolls sideways on a mouse without a horizontal wheel.
      const [dx, dy] = e.shiftKey && !e.deltaX ? [e.deltaY, 0] : [e.deltaX, e.deltaY];
      this.view.panBy(-dx * unit * scale, -dy * unit * scale);
    }
  }

  #onDown(e) {
    if (e.pointerType === 'touch') {
      this.#touches.set(e.pointerId, this.#toCanvas(e));
      if (this.#touches.size === 2) {
        this.#startPinch(e);
        return;
      }
      if (this.#touches.size > 2) return;
    }
    const middle = e.pointerType === 'mouse' && e.button === 1;
    if (this.#gesture || (e.pointerType === 'mouse' && e.button !== 0 && !middle)) return;
    e.preventDefault();
    this.#capture(e);
    if (middle || this.#spaceHeld || this.#tools.tool === 'hand') {
      this.#gesture = { pointerId: e.pointerId, kind: 'pan', last: this.#toCanvas(e) };
      this.#showCursor();
      return;
    }
    if (e.pointerType === 'touch') {
      // Wait a moment: a second finger makes it a pinch.
      const gesture = { pointerId: e.pointerId, kind: 'touch', down: e, at: this.#toCanvas(e), timer: null };
      gesture.timer = setTimeout(() => this.#settleTouch(gesture), TOUCH_SETTLE_MS);
      this.#gesture = gesture;
      return;
    }
    this.#begin(e);
  }

  /** Starts drawing with the current tool at the event's place. */
  #begin(e) {
    const at = this.#toWorld(e);
    const { tool, color, width } = this.#tools;
    if (this.#noteEditor) {
      // A click outside the note being edited commits it; with the note tool, that is all it does.
      this.#noteEditor.finish();
      if (tool === 'note') return;
    }
    if (tool === 'note') {
      this.#placeNote(at, color);
      return;
    }
    if (tool === 'select') {
      this.#beginSelect(e, at);
      return;
    }
    if (tool === 'text') {
      this.#placeText(at, color, width);
      return;
    }
    if (tool === 'pencil' || tool === 'eraser') {
      const stroke = this.#actions.create('stroke', {
        tool, color, width, points: [at.x, at.y, pressureOf(e)],
      });
      // `tail` is the stroke's last point already in the model: the overlay starts there.
      this.#gesture = {
        pointerId: e.pointerId, kind: 'stroke', stroke, pending: [], tail: stroke.points, last: at, timer: null,
      };
    } else if (SHAPE_TOOLS.has(tool)) {
      this.#gesture = { pointerId: e.pointerId, kind: tool, start: at, end: at };
    } else if (tool === 'laser') {
      this.#gesture = { pointerId: e.pointerId, kind: 'laser', sentAt: performance.now() };
      this.#actions.laser(at.x, at.y);
    }
  }

  #settleTouch(gesture) {
    if (this.#gesture !== gesture) return;
    clearTimeout(gesture.timer);
    this.#gesture = null;
    this.#begin(gesture.down);
  }

  #capture(e) {
    try {
      // Keep receiving the pointer's moves when it leaves the board mid-gesture.
      this.#overlay.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser does not know (a synthetic event): nothing to capture.
    }
  }

  #startPinch(e) {
    const gesture = this.#gesture;
    if (gesture?.kind === 'touch') clearTimeout(gesture.timer);
    else if (gesture) this.#end(gesture, null); // the first finger was drawing: that stroke ends here
    this.#capture(e);
    const [a, b] = [...this.#touches.values()];
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    this.#gesture = {
      kind: 'pinch', ids: [...this.#touches.keys()], distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
      level: this.view.level, anchor: this.view.toWorld(mid.x, mid.y),
    };
    this.#drawOverlay();
  }

  #pinchMove() {
    const gesture = this.#gesture;
    const [a, b] = gesture.ids.map((id) => this.#touches.get(id));
    if (!a || !b) return;
    const ratio = Math.hypot(a.x - b.x, a.y - b.y) / gesture.distance;
    const level = gesture.level + Math.log2(ratio) * LEVELS_PER_DOUBLING;
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const used = Math.max(MIN_LEVEL, Math.min(MAX_LEVEL, Math.round(level)));
    // The world point first under the fingers stays under them: two fingers zoom and pan.
    const z = zoomOf(used);
    this.view.set({ level: used, ox: gesture.anchor.x * z - mid.x, oy: gesture.anchor.y * z - mid.y });
  }

  /**
   * Sends our cursor at most every CURSOR_MS: a move within that time waits for it, and the send
   * then carries the newest position, so where a pointer comes to rest is always sent.
   */
  #sendCursor(at) {
    this.#cursorAt = at;
    if (this.#cursorTimer !== null) return;
    const send = () => {
      this.#cursorTimer = null;
      this.#lastCursorAt = performance.now();
      this.#actions.cursor(this.#cursorAt.x, this.#cursorAt.y);
    };
    const wait = this.#lastCursorAt + CURSOR_MS - performance.now();
    if (wait <= 0) send();
    else this.#cursorTimer = setTimeout(send, wait);
  }

  #onMove(e) {
    if (e.pointerType === 'touch' && this.#touches.has(e.pointerId)) this.#touches.set(e.pointerId, this.#toCanvas(e));
    this.#pointer = this.#toWorld(e);
    if (e.pointerType !== 'touch') this.#sendCursor(this.#pointer);
    const gesture = this.#gesture;
    if (!gesture) return;
    if (gesture.kind === 'pinch') {
      if (gesture.ids.includes(e.pointerId)) this.#pinchMove();
      return;
    }
    if (gesture.pointerId !== e.pointerId) return;
    if (gesture.kind === 'touch') {
      const at = this.#toCanvas(e);
      if (Math.hypot(at.x - gesture.at.x, at.y - gesture.at.y) >= TOUCH_SETTLE_PX) this.#settleTouch(gesture);
      if (!['stroke', ...SHAPE_TOOLS, 'laser', 'move', 'resize', 'marquee'].includes(this.#gesture?.kind)) return;
      this.#onMove(e);
      return;
    }
    if (gesture.kind === 'pan') {
      const at = this.#toCanvas(e);
      // The view moves in whole pixels: what is left over counts with the next move.
      const dx = Math.round(at.x - gesture.last.x);
      const dy = Math.round(at.y - gesture.last.y);
      this.view.panBy(dx, dy);
      gesture.last = { x: gesture.last.x + dx, y: gesture.last.y + dy };
      return;
    }
    if (gesture.kind === 'done') return;
    if (gesture.kind === 'laser') {
      const now = performance.now();
      if (now - gesture.sentAt < LASER_MS) return;
      gesture.sentAt = now;
      const at = this.#toWorld(e);
      this.#actions.laser(at.x, at.y);
      return;
    }
    if (gesture.kind === 'stroke') {
      // Coalesced events carry the points the browser merged into this one: smoother lines.
      const events = e.getCoalescedEvents?.().length ? e.getCoalescedEvents() : [e];
      for (const event of events) this.#addPoint(gesture, this.#toWorld(event), pressureOf(event));
      // Entries stay small whatever the rate of events: flush on time, or on size.
      if (gesture.pending.length >= 3 * MAX_POINTS_PER_FLUSH) this.#flush(gesture);
      else gesture.timer ??= setTimeout(() => this.#flush(gesture), FLUSH_MS);
    } else if (gesture.kind === 'move' || gesture.kind === 'resize') {
      this.#dragSelection(gesture, this.#toWorld(e), e.shiftKey);
    } else {
      gesture.end = shapeEnd(gesture, this.#toWorld(e), e.shiftKey);
    }
    this.#drawOverlay();
  }

  #onUp(e) {
    if (e.pointerType === 'touch') this.#touches.delete(e.pointerId);
    const gesture = this.#gesture;
    if (!gesture) return;
    if (gesture.kind === 'pinch') {
      // The pinch ends with its first finger up; the other one does nothing more.
      if (gesture.ids.includes(e.pointerId)) this.#gesture = { kind: 'done', pointerId: gesture.ids.find((id) => id !== e.pointerId) };
      return;
    }
    if (gesture.pointerId !== e.pointerId) return;
    this.#gesture = null;
    if (gesture.kind === 'touch') {
      // A tap: a dot (or a text box), as a mouse click makes.
      clearTimeout(gesture.timer);
      if (e.type === 'pointerup') {
        this.#begin(gesture.down);
        if (this.#gesture) this.#onUp(e);
      }
      return;
    }
    this.#end(gesture, e);
    this.#showCursor();
  }

  /** Finishes a drawing gesture; `e` is its pointerup (null: cut short, nothing more to add). */
  #end(gesture, e) {
    this.#gesture = null;
    if (gesture.kind === 'stroke') {
      if (e?.type === 'pointerup') this.#addPoint(gesture, this.#toWorld(e), gesture.lastPressure ?? 0.5);
      this.#flush(gesture);
    } else if (gesture.kind === 'laser') {
      this.#actions.laser(null); // the trail ends here; it fades by itself
    } else if (SHAPE_TOOLS.has(gesture.kind)) {
      const end = e?.type === 'pointerup' ? shapeEnd(gesture, this.#toWorld(e), e.shiftKey) : gesture.end;
      const { x: x1, y: y1 } = gesture.start;
      if (Math.abs(end.x - x1) >= 1 || Math.abs(end.y - y1) >= 1) {
        const { color, width } = this.#tools;
        this.#actions.create(gesture.kind, { color, width, x1, y1, x2: end.x, y2: end.y });
      }
    } else if (gesture.kind === 'move' || gesture.kind === 'resize') {
      if (e?.type === 'pointerup') this.#dragSelection(gesture, this.#toWorld(e), e.shiftKey);
      this.#model.lift(null);
      const t = gesture.transform;
      if (t && (t.dx || t.dy || t.sx !== 1 || t.sy !== 1)) this.#transformSelection(t);
      else if (gesture.hit) this.#selection = new Set([gesture.hit.id]);
    } else if (gesture.kind === 'marquee') {
      const end = e?.type === 'pointerup' ? this.#toWorld(e) : gesture.end;
      const box = boxOf(gesture.start, end);
      for (const element of inBox(this.#model.visible(), box)) this.#selection.add(element.id);
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
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, BOARD.width, BOARD.height);
    const gesture = this.#gesture;
    const z = this.view.zoom;
    ctx.setTransform(z, 0, 0, z, -this.view.ox, -this.view.oy);
    this.#drawSelection(ctx, gesture);
    if (!gesture) return;
    const { color, width } = this.#tools;
    if (gesture.kind === 'stroke') {
      if (!gesture.pending.length) return;
      drawStrokeParts(ctx, gesture.stroke, [gesture.tail, gesture.pending], 1);
    } else if (SHAPE_TOOLS.has(gesture.kind)) {
      const { x: x1, y: y1 } = gesture.start;
      drawEntry(ctx, { kind: gesture.kind, color, width, x1, y1, x2: gesture.end.x, y2: gesture.end.y });
    }
  }

  // --- the select tool ------------------------------------------------------------

  /** True when something is selected. */
  get hasSelection() { return this.#selection.size > 0; }

  /** The ids of the selected elements, in drawing order. */
  get selection() { return this.#selected().map((element) => element.id); }

  selectAll() {
    this.#selection = new Set(this.#model.visible().filter(selectable).map((element) => element.id));
    this.#drawOverlay();
  }

  deselect() {
    this.#selection.clear();
    this.#drawOverlay();
  }

  /** Moves the selection by (dx, dy) canvas pixels: the arrow keys. */
  moveSelection(dx, dy) {
    const z = this.view.zoom;
    this.#transformSelection({ dx: round1(dx / z), dy: round1(dy / z), sx: 1, sy: 1, ax: 0, ay: 0 });
  }

  deleteSelection() {
    const ids = this.selection;
    if (!ids.length) return;
    this.#actions.edit((create) => chunks(ids).map((targets) => create('delete', { targets })));
    this.deselect();
  }

  /** A copy of the selection, DUPLICATE_OFFSET down and right; the copy is selected. */
  duplicateSelection() {
    const payload = this.copySelection();
    if (payload) this.#createSelected(payload, DUPLICATE_OFFSET, DUPLICATE_OFFSET);
  }

  /** The selection as a clipboard payload (selection.js `toPayload`), or null when none. */
  copySelection() {
    const elements = this.#selected();
    return elements.length ? toPayload(elements) : null;
  }

  /** Creates a payload's elements centred where the pointer was last on the board (else the view's centre). */
  paste(payload) {
    const box = payloadBox(payload);
    if (!box) return;
    const at = this.#pointer ?? this.view.toWorld(BOARD.width / 2, BOARD.height / 2);
    this.#createSelected(payload, round1(at.x - (box.x0 + box.x1) / 2), round1(at.y - (box.y0 + box.y1) / 2));
  }

  /** The world point at the centre of the view. */
  get centre() {
    const at = this.view.toWorld(BOARD.width / 2, BOARD.height / 2);
    return { x: round1(at.x), y: round1(at.y) };
  }

  /** A point of the page (clientX, clientY) in world units, e.g. where a file was dropped; null off the board. */
  worldAtClient(clientX, clientY) {
    const rect = this.#overlay.getBoundingClientRect();
    if (clientX < rect.left || clientX > rect.right || clientY < rect.top || clientY > rect.bottom) return null;
    return this.#toWorld({ clientX, clientY });
  }

  /**
   * Puts an image ({bytes, mime, width, height}: images.js `prepareImage`) on the board, centred at
   * `at` (world units; null: where the pointer was last, else the view's centre), one world unit a
   * pixel but at most IMAGE_VIEW_SHARE of the view; one edit, selected.
   */
  placeImage({ bytes, mime, width, height }, at) {
    const z = this.view.zoom;
    const fit = Math.min(1, (IMAGE_VIEW_SHARE * BOARD.width) / z / width, (IMAGE_VIEW_SHARE * BOARD.height) / z / height);
    const [w, h] = [width * fit, height * fit];
    const centre = at ?? this.#pointer ?? this.view.toWorld(BOARD.width / 2, BOARD.height / 2);
    const x1 = round1(centre.x - w / 2);
    const y1 = round1(centre.y - h / 2);
    const image = { kind: 'image', mime, width, height, x1, y1, x2: round1(x1 + w), y2: round1(y1 + h), data: toBase64(bytes) };
    this.#createSelected({ elements: [image] }, 0, 0);
  }

  /** Creates a payload's elements where they are (an imported board file) as one edit; they are selected. */
  place(payload) {
    this.#createSelected(payload, 0, 0);
  }

  /** The selected elements that are on the board, in drawing order (as the model lays them out). */
  get selectedElements() { return this.#selected(); }

  #createSelected(payload, dx, dy) {
    let ids = [];
    this.#actions.edit((create) => { ids = createFromPayload(payload, dx, dy, create); });
    this.#selection = new Set(ids);
    this.#tools.set({ tool: 'select' });
    this.#drawOverlay();
  }

  /** The selected elements that are on the board, in drawing order. */
  #selected() {
    if (!this.#selection.size) return [];
    return this.#model.visible().filter((element) => this.#selection.has(element.id));
  }

  /** Forgets selected elements that are gone (deleted, undone, cleared by someone). */
  #pruneSelection() {
    if (this.#gesture?.kind === 'move' || this.#gesture?.kind === 'resize') return; // lifted, not gone
    const shown = new Set(this.selection);
    for (const id of this.#selection) if (!shown.has(id)) this.#selection.delete(id);
  }

  #transformSelection(t) {
    const ids = this.selection;
    if (!ids.length) return;
    this.#actions.edit((create) => chunks(ids).map((targets) => create('transform', { targets, ...t })));
  }

  #beginSelect(e, at) {
    const z = this.view.zoom;
    const elements = this.#selected();
    const box = unionBox(elements);
    const base = { pointerId: e.pointerId, start: at, transform: null, elements, box };
    if (box) {
      const reach = HANDLE_PX / z;
      const handle = handles(box).find((h) => Math.abs(h.x - at.x) <= reach && Math.abs(h.y - at.y) <= reach);
      if (handle && !e.shiftKey) {
        this.#gesture = { ...base, kind: 'resize', handle };
        return;
      }
    }
    const hit = hitTest(this.#model.visible(), at.x, at.y, HIT_PX / z);
    if (e.shiftKey) {
      if (hit) {
        if (this.#selection.has(hit.id)) this.#selection.delete(hit.id);
        else this.#selection.add(hit.id);
        this.#gesture = { pointerId: e.pointerId, kind: 'done' };
      } else {
        this.#gesture = { ...base, kind: 'marquee', end: at };
      }
      this.#drawOverlay();
      return;
    }
    const inside = box && at.x >= box.x0 && at.x <= box.x1 && at.y >= box.y0 && at.y <= box.y1;
    if (hit && !this.#selection.has(hit.id)) {
      this.#selection = new Set([hit.id]);
      this.#gesture = { ...base, kind: 'move', elements: [hit], box: hit.bounds };
    } else if (hit || inside) {
      // A click without a drag on one of several selected elements selects it alone.
      this.#gesture = { ...base, kind: 'move', hit };
    } else {
      this.#selection.clear();
      this.#gesture = { ...base, kind: 'marquee', end: at };
    }
    this.#drawOverlay();
  }

  /** A move or resize drag at world point `at`: the transform it makes so far, shown on the overlay. */
  #dragSelection(gesture, at, uniform) {
    if (gesture.kind === 'move') {
      const dx = round1(at.x - gesture.start.x);
      const dy = round1(at.y - gesture.start.y);
      gesture.transform = { dx, dy, sx: 1, sy: 1, ax: 0, ay: 0 };
    } else {
      gesture.transform = { dx: 0, dy: 0, ...scaleFor(gesture.handle, at.x, at.y, 1, uniform) };
    }
    // The dragged elements leave the board for the overlay until the drag ends.
    if (!gesture.lifted && (gesture.transform.dx || gesture.transform.dy || gesture.transform.sx !== 1 || gesture.transform.sy !== 1)) {
      gesture.lifted = true;
      this.#model.lift(gesture.elements.map((element) => element.id));
    }
  }

  /** The selection's box and handles (and the dragged elements, a marquee) on the overlay. */
  #drawSelection(ctx, gesture) {
    const z = this.view.zoom;
    const dragging = gesture?.kind === 'move' || gesture?.kind === 'resize' ? gesture : null;
    let box = null;
    if (dragging?.lifted) {
      const previews = dragging.elements.map((element) => previewElement(element, dragging.transform));
      for (const element of previews) drawElement(ctx, element);
      box = unionBox(previews);
    } else {
      box = unionBox(this.#selected());
    }
    ctx.lineWidth = 1 / z;
    ctx.strokeStyle = SELECTION_COLOR;
    ctx.setLineDash([]);
    if (box) {
      ctx.strokeRect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
      ctx.fillStyle = '#ffffff';
      const size = HANDLE_PX / z;
      for (const h of handles(box)) {
        ctx.fillRect(h.x - size / 2, h.y - size / 2, size, size);
        ctx.strokeRect(h.x - size / 2, h.y - size / 2, size, size);
      }
    }
    if (gesture?.kind === 'marquee') {
      const m = boxOf(gesture.start, gesture.end);
      ctx.setLineDash([4 / z, 4 / z]);
      ctx.fillStyle = 'rgba(31, 111, 235, 0.08)';
      ctx.fillRect(m.x0, m.y0, m.x1 - m.x0, m.y1 - m.y0);
      ctx.strokeRect(m.x0, m.y0, m.x1 - m.x0, m.y1 - m.y0);
      ctx.setLineDash([]);
    }
  }

  // --- sticky notes ---------------------------------------------------------------

  /** Places a new note centred at `at`, in `color`, and opens its editor; it is made when the editor commits. */
  #placeNote(at, color) {
    const half = NOTE_SIZE / 2;
    const note = {
      kind: 'note', color, size: NOTE_TEXT_SIZE, text: '',
      x1: round1(at.x - half), y1: round1(at.y - half), x2: round1(at.x + half), y2: round1(at.y + half),
    };
    this.#editNote(note, null);
  }

  /** Opens the editor of the selected note when the selection is one note (Enter); false otherwise. */
  editSelectedNote() {
    const selected = this.#selected();
    if (selected.length !== 1 || selected[0].kind !== 'note') return false;
    this.#editNote(selected[0].shape, selected[0].id);
    return true;
  }

  #onDoubleClick(e) {
    if (this.#tools.tool !== 'select' || this.#noteEditor) return;
    const at = this.#toWorld(e);
    const hit = hitTest(this.#model.visible(), at.x, at.y, HIT_PX / this.view.zoom);
    if (hit?.kind !== 'note') return;
    this.#selection = new Set([hit.id]);
    this.#drawOverlay();
    this.#editNote(hit.shape, hit.id);
  }

  /**
   * The note editor: a textarea over the note's box, in its colours and font, that follows the
   * note and the view. Enter adds a line; Escape, a click outside or leaving it commits. `id` is
   * the note's, or null for a new note: made when the editor commits with some text, dropped
   * without. An existing note's new text is a `retext` (one undo step), sent only when it changed.
   */
  #editNote(shape, id) {
    this.#noteEditor?.finish();
    const area = document.createElement('textarea');
    area.className = 'note-entry';
    area.maxLength = MAX_NOTE_TEXT;
    area.value = shape.text;
    area.setAttribute('aria-label', id ? 'Note text' : 'New note text');
    const place = () => {
      const s = (id && this.#model.element(id)?.shape) || shape;
      const { x, y, w, h } = noteBox(s);
      const scale = (this.#overlay.getBoundingClientRect().width / BOARD.width) * this.view.zoom; // CSS pixels per world unit
      const at = this.toScreenFraction(x, y);
      Object.assign(area.style, {
        left: `${at.x * 100}%`,
        top: `${at.y * 100}%`,
        width: `${w * scale}px`,
        height: `${h * scale}px`,
        padding: `${NOTE_PADDING * s.size * scale}px`,
        font: textFont(s.size * scale),
        lineHeight: `${NOTE_LINE_HEIGHT * s.size * scale}px`,
        background: s.color,
        color: noteInk(s.color),
      });
    };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (this.#noteEditor?.area === area) this.#noteEditor = null;
      area.remove();
      const text = noteText(area.value);
      if (id === null) {
        if (!text) return; // an empty new note is no note
        const { kind, ...fields } = shape;
        this.#actions.edit((create) => create('note', { ...fields, text }));
      } else if (text !== shape.text) {
        this.#actions.edit((create) => create('retext', { target: id, text }));
      }
    };
    area.addEventListener('keydown', (e) => {
      e.stopPropagation(); // typing is not a shortcut
      if (e.key === 'Escape') finish();
    });
    area.addEventListener('blur', finish);
    place();
    this.#frame.append(area);
    this.#noteEditor = { area, place, finish };
    focusEditor(area);
  }

  #placeText(at, color, width) {
    this.#textInput?.remove();
    const size = textSize(width);
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'text-entry';
    input.maxLength = 500;
    input.placeholder = 'Type, then Enter';
    const scale = (this.#overlay.getBoundingClientRect().width / BOARD.width) * this.view.zoom;
    const place = this.toScreenFraction(at.x, at.y);
    Object.assign(input.style, {
      left: `${place.x * 100}%`,
      top: `${place.y * 100}%`,
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
    focusEditor(input);
  }
}

/**
 * Focuses a text editor just opened by a pointer event, once that event has finished (or the
 * event's own focus change would take the focus back). A key pressed before then (a fast typist,
 * a busy page on which the timer waits behind input) is the editor's too, never a tool's
 * shortcut: the editor takes the focus during that key's keydown, so the character lands in it.
 */
function focusEditor(editor) {
  const early = (e) => {
    if (!editor.isConnected || document.activeElement === editor) {
      window.removeEventListener('keydown', early, true);
      return;
    }
    e.stopImmediatePropagation(); // not a shortcut; no preventDefault: the character is typed
    editor.focus();
  };
  window.addEventListener('keydown', early, true);
  setTimeout(() => editor.focus(), 0);
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

/** A note editor's value as the note's text: without trailing spaces and empty lines, at most MAX_NOTE_TEXT long. */
function noteText(value) {
  const text = value.replace(/\s+$/, '');
  // Cut at the limit, never between the two halves of a character.
  return text.length <= MAX_NOTE_TEXT ? text : text.slice(0, MAX_NOTE_TEXT).replace(/[\uD800-\uDBFF]$/, '');
}

/** Where a shape gesture ends for the pointer at `at`: a line's or arrow's end snapped to 15° with Shift. */
function shapeEnd(gesture, at, snap) {
  if (!snap || (gesture.kind !== 'line' && gesture.kind !== 'arrow')) return at;
  const { x, y } = gesture.start;
  const length = Math.hypot(at.x - x, at.y - y);
  const angle = Math.round(Math.atan2(at.y - y, at.x - x) / SNAP_ANGLE) * SNAP_ANGLE;
  return { x: round1(x + length * Math.cos(angle)), y: round1(y + length * Math.sin(angle)) };
}

const boxOf = (a, b) => ({ x0: Math.min(a.x, b.x), y0: Math.min(a.y, b.y), x1: Math.max(a.x, b.x), y1: Math.max(a.y, b.y) });
