// The keyboard shortcuts panel, opened with `?` (or its toolbar button) and closed with Escape.
// It lists what the toolbar's buttons say of themselves (each button's name and the key in its
// title's parentheses), so a new button with a shortcut is listed without being added here, and
// the few shortcuts that have no button.

import { isTyping } from './theme.js';

const WITHOUT_BUTTON = [
  ['Arrow keys', 'Move the selection (Shift: ten times further); with nothing selected, pick the next colour'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Ctrl/⌘+A', 'Select everything'],
  ['Ctrl/⌘+D', 'Duplicate the selection'],
  ['Ctrl/⌘+C, X, V', 'Copy, cut, paste (also between boards)'],
  ['Escape', 'Select nothing; stop following someone\'s view'],
  ['Enter, double-click', 'Edit the selected note\'s text (Escape or a click outside ends it)'],
  ['Space + drag, scroll, two fingers', 'Move the view'],
  ['Ctrl/⌘ + wheel, pinch', 'Zoom'],
];

/** Wires the panel (a <dialog>) to `?` and to `button`; `toolbar` holds the buttons it lists. */
export function setUpHelp(dialog, toolbar, button) {
  const open = () => {
    if (dialog.open) return;
    fill(dialog.querySelector('tbody'), toolbar);
    dialog.showModal();
  };
  button.addEventListener('click', open);
  dialog.querySelector('.close').addEventListener('click', () => dialog.close());
  document.addEventListener('keydown', (e) => {
    if (e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
      e.preventDefault();
      open();
    }
  });
}

/** The rows: each toolbar button with a key in its title, then the shortcuts without a button. */
function fill(body, toolbar) {
  const rows = [];
  for (const control of toolbar.querySelectorAll('button[title]')) {
    const key = /\(([^)]+)\)/.exec(control.title)?.[1];
    if (key) rows.push([key, control.getAttribute('aria-label') ?? control.title]);
  }
  rows.push(...WITHOUT_BUTTON);
  body.replaceChildren(...rows.map(([keys, what]) => {
    const row = document.createElement('tr');
    const keyCell = document.createElement('td');
    const kbd = document.createElement('kbd');
    kbd.textContent = keys;
    keyCell.append(kbd);
    const whatCell = document.createElement('td');
    whatCell.textContent = what;
    row.append(keyCell, whatCell);
    return row;
  }));
}
