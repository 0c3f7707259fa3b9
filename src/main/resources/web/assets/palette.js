// The 80-colour swatch: a row of greys, then ten hues in seven shades each.
// Colours are fixed hex strings, so every peer draws exactly the same colour.

export const SWATCH_COLUMNS = 10;

export const PALETTE = Object.freeze(buildPalette());

function buildPalette() {
  const colors = [];
  for (let i = 0; i < SWATCH_COLUMNS; i++) {
    colors.push(hslToHex(0, 0, (i / (SWATCH_COLUMNS - 1)) * 100));
  }
  const hues = [0, 25, 45, 60, 95, 150, 185, 215, 265, 310];
  const lightness = [20, 30, 40, 50, 62, 74, 87];
  for (const l of lightness) {
    for (const h of hues) colors.push(hslToHex(h, 85, l));
  }
  return colors;
}

/** The index of the colour `steps` places away, wrapping around the swatch. */
export function stepColor(index, steps) {
  return (index + steps + PALETTE.length) % PALETTE.length;
}

/** A stable, clearly visible colour for a peer (its cursor and its dot in the list). */
export function peerColor(peerId) {
  let hash = 2166136261;
  for (let i = 0; i < peerId.length; i++) hash = Math.imul(hash ^ peerId.charCodeAt(i), 16777619);
  const vivid = PALETTE.slice(3 * SWATCH_COLUMNS, 4 * SWATCH_COLUMNS); // the 50% shades
  return vivid[(hash >>> 0) % vivid.length];
}

function hslToHex(h, s, l) {
  s /= 100;
  l /= 100;
  const a = s * Math.min(l, 1 - l);
  const channel = (n) => {
    const k = (n + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
