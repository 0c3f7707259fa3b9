// Light or dark: the page follows the system's preference (CSS `prefers-color-scheme`, so even
// before any script runs) until the person picks one with the toolbar's theme button; the pick
// is kept on this device. The board itself is shown through a fixed filter in dark mode
// (style.css, docs/RENDERING.md "Dark mode"): what is drawn, sent, stored and exported stays as
// drawn.

const STORAGE_KEY = 'drawbridge-theme';
const system = matchMedia('(prefers-color-scheme: dark)');

/** 'light' | 'dark': what the page shows now. */
export function currentTheme() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return system.matches ? 'dark' : 'light';
}

/** Wires the theme button: it shows the theme in force and switches to the other one. */
export function setUpTheme(button) {
  const stored = readChoice();
  if (stored) document.documentElement.dataset.theme = stored;
  const show = () => {
    const dark = currentTheme() === 'dark';
    button.setAttribute('aria-pressed', String(dark));
    button.title = dark ? 'Dark mode is on: switch to light (Shift+D)' : 'Switch to dark mode (Shift+D)';
  };
  const toggle = () => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage refused (a private window's quota): the choice holds for this page only.
    }
    show();
  };
  button.addEventListener('click', toggle);
  system.addEventListener('change', show);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'D' && e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) toggle();
  });
  show();
}

function readChoice() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

/** Whether a key press is text being typed (a text item, a field), not a shortcut. */
export function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
    && !(target instanceof HTMLInputElement && target.type === 'range');
}
