// One person's view of the shared world: where the board canvas looks, and how close.
//
// Elements live in world units (the default view shows world (0, 0) to (1600, 900) on the
// 1600 x 900 canvas, as the board did before it was infinite). A view is a zoom level and an
// offset: zoom = 2^(level / LEVELS_PER_DOUBLING), and canvas pixel (cx, cy) shows world
// ((cx + ox) / zoom, (cy + oy) / zoom). The offset is whole canvas pixels and the zoom comes in
// steps, so that the tiles of render caches (tiles.js) land on whole pixels and are reused;
// two pages with the same view draw the same pixels.

export const LEVELS_PER_DOUBLING = 16;
/** Zoom from about 0.1 (a tenth) to 8. */
export const MIN_LEVEL = -53;
export const MAX_LEVEL = 48;

export const zoomOf = (level) => 2 ** (level / LEVELS_PER_DOUBLING);

export class View extends EventTarget {
  level = 0;
  ox = 0;
  oy = 0;

  get zoom() { return zoomOf(this.level); }

  /** The world point shown at canvas pixel (cx, cy). */
  toWorld(cx, cy) {
    const z = this.zoom;
    return { x: (cx + this.ox) / z, y: (cy + this.oy) / z };
  }

  /** The canvas pixel where world point (x, y) shows. */
  toCanvas(x, y) {
    const z = this.zoom;
    return { x: x * z - this.ox, y: y * z - this.oy };
  }

  /** Sets the view (whole pixels, level clamped); tells listeners (`change`) if it moved. */
  set({ level = this.level, ox = this.ox, oy = this.oy }) {
    level = Math.max(MIN_LEVEL, Math.min(MAX_LEVEL, Math.round(level)));
    ox = Math.round(ox);
    oy = Math.round(oy);
    if (level === this.level && ox === this.ox && oy === this.oy) return;
    Object.assign(this, { level, ox, oy });
    this.dispatchEvent(new Event('change'));
  }

  /** Moves the picture by (dx, dy) canvas pixels (the world follows the hand). */
  panBy(dx, dy) {
    this.set({ ox: this.ox - dx, oy: this.oy - dy });
  }

  /** Zooms to `level`, keeping the world point under canvas pixel (cx, cy) where it is. */
  zoomAt(level, cx, cy) {
    const at = this.toWorld(cx, cy);
    const clamped = Math.max(MIN_LEVEL, Math.min(MAX_LEVEL, Math.round(level)));
    const z = zoomOf(clamped);
    this.set({ level: clamped, ox: at.x * z - cx, oy: at.y * z - cy });
  }

  /** Shows the world box `bounds` whole, centred, on a canvas of width x height (at most zoom 1). */
  fit(bounds, width, height, margin = 24) {
    if (!bounds || !(bounds.x1 > bounds.x0) || !(bounds.y1 > bounds.y0)) {
      this.reset();
      return;
    }
    const fits = Math.min((width - 2 * margin) / (bounds.x1 - bounds.x0), (height - 2 * margin) / (bounds.y1 - bounds.y0), 1);
    const level = Math.max(MIN_LEVEL, Math.min(0, Math.floor(Math.log2(fits) * LEVELS_PER_DOUBLING)));
    const z = zoomOf(level);
    this.set({
      level,
      ox: ((bounds.x0 + bounds.x1) / 2) * z - width / 2,
      oy: ((bounds.y0 + bounds.y1) / 2) * z - height / 2,
    });
  }

  /** The default view. */
  reset() {
    this.set({ level: 0, ox: 0, oy: 0 });
  }
}
