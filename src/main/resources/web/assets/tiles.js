// The board's renderer: the model's picture, cached in tiles, shown at the page's view
// (docs/RENDERING.md).
//
// A tile is a TILE x TILE canvas holding the picture of one square of the world at one zoom
// level: tile (i, j) of level L shows canvas pixels [i*TILE, (i+1)*TILE) x [j*TILE, ...) of the
// world drawn at zoom(L), i.e. its context's transform is (zoom, 0, 0, zoom, -i*TILE, -j*TILE).
// The board canvas is the tiles of the current level copied at whole-pixel offsets, so every
// pixel on screen is a pixel of a tile, and a tile's pixels depend only on (level, i, j) and the
// elements, drawn in the model's order:
//  - an element added on top is drawn onto the tiles it touches (the same calls as drawing the
//    tile again from scratch, since it comes last);
//  - new parts of the topmost stroke likewise;
//  - anything else (an entry inserted below the top, undo, redo, clear, new parts of a stroke
//    below the top) redraws from scratch the tiles its box touches;
//  - only elements whose box meets the tile are drawn into it (culling, exact: an element paints
//    nothing outside its box).
// A view that needs tiles not drawn yet (after a zoom, or a pan to new ground) shows the tiles of
// the last complete level, scaled, meanwhile, and draws the missing ones within a frame budget,
// those on screen first; `frame()` says when the picture is complete again.

import { BOARD, drawElement, drawStrokeParts, partsBounds } from './render.js';
import { zoomOf } from './view.js';

const TILE = 256;
// Tiles kept (256 KiB each): a few screens' worth, at the current level and the last ones.
const MAX_TILES = 160;
const MAX_SPARE = 48;
// Milliseconds of tile drawing per frame once a picture is on screen (the first one is drawn
// whole); a tile is drawn over several frames if need be. A canvas records calls at once and
// rasterizes them later (when the tile is next read or copied), which can cost a hundred times
// the recording: every RASTER_EVERY elements the drawing makes the tile rasterize (a one-pixel
// read), so the time it checks against the budget is what the frame really pays.
const FRAME_BUDGET_MS = 6;
const RASTER_EVERY = 4;
// A zoom is at rest once its level has not changed for this long: until then the last complete
// level stands in, scaled, and no tile is drawn (tiles of a level passed through are wasted).
const ZOOM_REST_MS = 120;

export class TiledRenderer {
  #canvas;
  #ctx;
  #model;
  #view;
  // `${level}:${i}:${j}` -> {canvas, ctx, level, i, j, used, drawn: holds a picture,
  // valid: the picture of the model as it is now, progress: {list, index} while half drawn}
  #tiles = new Map();
  #spare = []; // {canvas, ctx} of evicted tiles
  #composed = null; // the view the board canvas shows: {level, ox, oy, complete}
  #fallbackLevel = null; // the last level whose tiles covered the screen
  #shownOnce = false;
  #clock = 0;
  #levelChangedAt = -Infinity;

  constructor(canvas, model, view) {
    this.#canvas = canvas;
    this.#ctx = canvas.getContext('2d');
    this.#model = model;
    this.#view = view;
    this.#ctx.fillStyle = BOARD.background;
    this.#ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  /**
   * Brings the canvas closer to the model's picture at the current view. Returns true when the
   * canvas shows it completely; false when tiles are still to draw (call again next frame).
   */
  frame() {
    const started = performance.now();
    this.#clock++;
    const { level, ox, oy } = this.#view;
    const z = zoomOf(level);
    const elements = this.#model.visible();
    const touched = this.#apply(this.#model.takeChanges(), elements, level, z);

    // The tiles the canvas needs, and the ones to draw now.
    const needed = [];
    const i0 = Math.floor(ox / TILE);
    const j0 = Math.floor(oy / TILE);
    const i1 = Math.floor((ox + this.#canvas.width - 1) / TILE);
    const j1 = Math.floor((oy + this.#canvas.height - 1) / TILE);
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) needed.push(this.#tile(level, i, j));
    }
    let missing = 0;
    // While the zoom moves, the last complete level stands in, scaled, and nothing is drawn.
    if (this.#composed && this.#composed.level !== level) this.#levelChangedAt = started;
    const zooming = this.#fallbackLevel !== null && this.#fallbackLevel !== level && started - this.#levelChangedAt < ZOOM_REST_MS;
    const deadline = !this.#shownOnce ? Infinity : zooming ? started : started + FRAME_BUDGET_MS;
    for (const tile of needed) {
      tile.used = this.#clock;
      if (tile.valid) continue;
      if (performance.now() < deadline && this.#draw(tile, elements, z, deadline)) touched.add(tile);
      else missing++;
    }

    // The canvas: whole again when the view moved, else only the tiles that changed or were
    // completed (a tile is opaque and covers its square, whatever stood in for it before).
    const composed = this.#composed;
    const moved = !composed || composed.level !== level || composed.ox !== ox || composed.oy !== oy;
    const ctx = this.#ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (moved) {
      ctx.fillStyle = BOARD.background;
      ctx.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
      if (missing) this.#showFallback(level, ox, oy);
      // A tile being drawn again shows its former picture meanwhile (then the complete flag is off).
      for (const tile of needed) if (tile.drawn) ctx.drawImage(tile.canvas, tile.i * TILE - ox, tile.j * TILE - oy);
    } else {
      for (const tile of touched) {
        if (tile.level === level && tile.valid) ctx.drawImage(tile.canvas, tile.i * TILE - ox, tile.j * TILE - oy);
      }
    }
    this.#composed = { level, ox, oy, complete: missing === 0 };
    if (missing === 0) {
      this.#fallbackLevel = level;
      this.#shownOnce = true;
    }
    this.#evict(level);
    return missing === 0;
  }

  /**
   * The picture of the default view as it is now, for a snapshot to carry (docs/RENDERING.md,
   * "The picture in a snapshot"): the tiles of level 0 that cover world (0, 0) to (BOARD.width,
   * BOARD.height), as [{i, j, pixels: Uint8ClampedArray of RGBA}]. The pixels are taken at the call (a
   * current cached tile as it is, any other drawn from scratch), so the picture is that of the
   * model at this moment, whatever changes next.
   */
  picture() {
    const elements = this.#model.visible();
    const current = !this.#model.hasChanges();
    // Read back through one canvas made for it (the tiles' own are made to be drawn from).
    const reader = new OffscreenCanvas(TILE, TILE).getContext('2d', { alpha: false, willReadFrequently: true });
    const tiles = [];
    for (let j = 0; j < Math.ceil(BOARD.height / TILE); j++) {
      for (let i = 0; i < Math.ceil(BOARD.width / TILE); i++) {
        const cached = this.#tiles.get(`0:${i}:${j}`);
        let ctx = cached?.valid && current ? cached.ctx : null;
        if (!ctx) {
          const scratch = { ...newTileCanvas(), level: 0, i, j, progress: null };
          this.#draw(scratch, elements, 1, Infinity);
          ctx = scratch.ctx;
        }
        reader.drawImage(ctx.canvas, 0, 0);
        tiles.push({ i, j, pixels: reader.getImageData(0, 0, TILE, TILE).data });
      }
    }
    return tiles;
  }

  /**
   * Takes a snapshot's picture of level 0 ([{i, j, image: ImageData}] of the pixels `picture()`
   * gave, or [{i, j, bitmap}] of an older snapshot's PNG tiles, from a page that
   * held the same entries) as the tiles of the model as it is now: the model's changes so far
   * are in it, and every other cached tile is drawn again when next shown.
   */
  seed(tiles) {
    this.#model.takeChanges();
    for (const tile of this.#tiles.values()) {
      tile.valid = false;
      tile.progress = null;
    }
    for (const { i, j, image, bitmap } of tiles) {
      const tile = this.#tile(0, i, j);
      tile.ctx.setTransform(1, 0, 0, 1, 0, 0);
      if (image) {
        tile.ctx.putImageData(image, 0, 0);
      } else {
        tile.ctx.drawImage(bitmap, 0, 0);
        bitmap.close();
      }
      tile.valid = true;
      tile.drawn = true;
    }
    this.#composed = null; // the canvas is composed again from the tiles
  }

  /** Applies the model's changes to the tiles; returns the tiles drawn onto. */
  #apply(changes, elements, level, z) {
    const touched = new Set();
    if (changes.reset) {
      this.#tiles.clear();
      this.#fallbackLevel = null;
      this.#composed = null; // nothing on the canvas stands any more
      return touched;
    }
    // Tiles of other levels are not kept up to date: those that a change meets are drawn again
    // if their level is shown again, and meanwhile may still stand in while a zoom settles.
    const others = [...this.#tiles.values()].filter((tile) => tile.level !== level && (tile.valid || tile.progress));
    const staleElsewhere = (box) => {
      for (const tile of others) {
        if (meets(box, tileBox(tile), 2 / zoomOf(tile.level))) {
          tile.valid = false;
          tile.progress = null;
        }
      }
    };
    const invalidate = (box) => {
      for (const tile of this.#tilesMeeting(box, level, z)) {
        tile.valid = false;
        tile.progress = null;
      }
      staleElsewhere(box);
    };
    for (const box of changes.rects) invalidate(box);
    const appended = new Set(changes.appended);
    const top = elements[elements.length - appended.size - 1];
    for (const [element, from] of changes.grown) {
      if (appended.has(element)) continue; // drawn whole below
      const box = partsBounds(element.entry, element.parts, from);
      if (element !== top) {
        invalidate(box);
        continue;
      }
      staleElsewhere(box);
      // A tile half drawn that is past the stroke gets its new parts too (it draws what follows).
      const drawnUpTo = elements.length - appended.size;
      for (const tile of this.#tilesMeeting(box, level, z)) {
        if (!tile.valid && !(tile.progress?.list === elements && tile.progress.index >= drawnUpTo)) continue;
        transform(tile, z);
        drawStrokeParts(tile.ctx, element.entry, element.parts, from);
        if (tile.valid) touched.add(tile);
      }
    }
    for (const element of changes.appended) {
      staleElsewhere(element.bounds);
      for (const tile of this.#tilesMeeting(element.bounds, level, z)) {
        if (!tile.valid) continue;
        transform(tile, z);
        drawElement(tile.ctx, element);
        touched.add(tile);
      }
    }
    return touched;
  }

  /** The cached tiles of `level` whose square meets the world box. */
  * #tilesMeeting(box, level, z) {
    const m = 2; // canvas pixels of antialiasing around the box
    const i0 = Math.floor((box.x0 * z - m) / TILE);
    const i1 = Math.floor((box.x1 * z + m) / TILE);
    const j0 = Math.floor((box.y0 * z - m) / TILE);
    const j1 = Math.floor((box.y1 * z + m) / TILE);
    if ((i1 - i0 + 1) * (j1 - j0 + 1) > this.#tiles.size) {
      for (const tile of this.#tiles.values()) {
        if (tile.level === level && tile.i >= i0 && tile.i <= i1 && tile.j >= j0 && tile.j <= j1) yield tile;
      }
      return;
    }
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const tile = this.#tiles.get(`${level}:${i}:${j}`);
        if (tile) yield tile;
      }
    }
  }

  #tile(level, i, j) {
    const key = `${level}:${i}:${j}`;
    let tile = this.#tiles.get(key);
    if (!tile) {
      // Canvases of evicted tiles are used again: zooming makes and drops dozens a second.
      const { canvas, ctx } = this.#spare.pop() ?? newTileCanvas();
      tile = { canvas, ctx, level, i, j, valid: false, drawn: false, progress: null, used: this.#clock };
      this.#tiles.set(key, tile);
    }
    return tile;
  }

  /**
   * Draws a tile from scratch: every element that meets it, in order. Stops at `deadline` and
   * goes on from there next time (returns false meanwhile): a zoomed-out tile may hold thousands.
   */
  #draw(tile, elements, z, deadline) {
    const ctx = tile.ctx;
    if (tile.progress?.list !== elements) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = BOARD.background;
      ctx.fillRect(0, 0, TILE, TILE);
      tile.progress = { list: elements, index: 0 };
      tile.drawn = false;
    }
    transform(tile, z);
    const box = tileBox(tile);
    const m = 2 / z;
    const progress = tile.progress;
    const timed = deadline !== Infinity;
    let drawn = 0;
    for (let k = progress.index; k < elements.length; k++) {
      const element = elements[k];
      if (!meets(element.bounds, box, m)) continue;
      drawElement(ctx, element);
      if (timed && ++drawn % RASTER_EVERY === 0) {
        ctx.getImageData(0, 0, 1, 1); // rasterize what was recorded, so that the clock sees it
        if (performance.now() > deadline) {
          progress.index = k + 1;
          return false;
        }
      }
    }
    tile.progress = null;
    tile.valid = true;
    tile.drawn = true;
    return true;
  }

  /** While tiles of the new level are drawn: the last complete level's, scaled. */
  #showFallback(level, ox, oy) {
    const from = this.#fallbackLevel;
    if (from === null || from === level) return;
    const scale = zoomOf(level) / zoomOf(from);
    const ctx = this.#ctx;
    ctx.imageSmoothingEnabled = false; // for a few frames: speed over looks
    for (const tile of this.#tiles.values()) {
      if (tile.level !== from || !tile.drawn) continue;
      const x = tile.i * TILE * scale - ox;
      const y = tile.j * TILE * scale - oy;
      const size = TILE * scale;
      if (x + size < 0 || y + size < 0 || x > this.#canvas.width || y > this.#canvas.height) continue;
      ctx.drawImage(tile.canvas, x, y, size, size);
    }
  }

  #evict(level) {
    if (this.#tiles.size <= MAX_TILES) return;
    // Other levels first (the fallback level last of those), then the least recently used.
    const rank = (tile) => (tile.level === level ? 2 : tile.level === this.#fallbackLevel ? 1 : 0);
    const order = [...this.#tiles.entries()].sort(([, a], [, b]) => rank(a) - rank(b) || a.used - b.used);
    for (const [key, tile] of order) {
      if (this.#tiles.size <= MAX_TILES) break;
      if (tile.used === this.#clock) continue; // on screen now
      this.#tiles.delete(key);
      if (this.#spare.length < MAX_SPARE) this.#spare.push(tile);
    }
  }
}

function newTileCanvas() {
  const canvas = new OffscreenCanvas(TILE, TILE);
  return { canvas, ctx: canvas.getContext('2d', { alpha: false }) };
}

function transform(tile, z) {
  tile.ctx.setTransform(z, 0, 0, z, -tile.i * TILE, -tile.j * TILE);
}

/** The world square of a tile. */
function tileBox(tile) {
  const z = zoomOf(tile.level);
  return { x0: (tile.i * TILE) / z, y0: (tile.j * TILE) / z, x1: ((tile.i + 1) * TILE) / z, y1: ((tile.j + 1) * TILE) / z };
}

function meets(a, b, margin) {
  return a.x0 - margin <= b.x1 && a.x1 + margin >= b.x0 && a.y0 - margin <= b.y1 && a.y1 + margin >= b.y0;
}
