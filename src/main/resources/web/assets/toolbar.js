// The toolbar: tool, colour and width, the buttons, and the keyboard shortcuts.

import { PALETTE, SWATCH_COLUMNS, stepColor } from './palette.js';

const TOOL_KEYS = { p: 'pencil', r: 'rect', o: 'ellipse', t: 'text', e: 'eraser' };

/** The current tool, colour and width; the board view reads it for every gesture. */
export class Tools extends EventTarget {
  tool = 'pencil';
  colorIndex = 0; // black
  width = 4;

  get color() { return PALETTE[this.colorIndex]; }

  set(changes) {
    Object.assign(this, changes);
    this.dispatchEvent(new Event('change'));
  }
}

/**
 * Wires the toolbar's controls to the tools and to the app's commands.
 * @param {HTMLElement} toolbar
 * @param {Tools} tools
 * @param {object} commands {undo(), redo(), clear(), exportPng()}
 */
export function setUpToolbar(toolbar, tools, commands) {
  const swatch = toolbar.querySelector('#swatch');
  const colorButton = toolbar.querySelector('#color');
  const widthInput = toolbar.querySelector('#width');

  PALETTE.forEach((color, index) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'swatch-color';
    button.style.background = color;
    button.title = color;
    button.dataset.index = index;
    button.addEventListener('click', () => {
      tools.set({ colorIndex: index });
      swatch.hidden = true;
    });
    swatch.append(button);
  });
  swatch.style.setProperty('--columns', SWATCH_COLUMNS);

  colorButton.addEventListener('click', () => { swatch.hidden = !swatch.hidden; });
  document.addEventListener('pointerdown', (e) => {
    if (!swatch.hidden && !swatch.contains(e.target) && e.target !== colorButton) swatch.hidden = true;
  });

  for (const button of toolbar.querySelectorAll('[data-tool]')) {
    button.addEventListener('click', () => tools.set({ tool: button.dataset.tool }));
  }
  widthInput.addEventListener('input', () => tools.set({ width: Number(widthInput.value) }));
  // After a drag on the slider, give the arrow keys back to the colour swatch.
  widthInput.addEventListener('change', () => widthInput.blur());

  const on = (id, handler) => toolbar.querySelector(`#${id}`).addEventListener('click', handler);
  on('undo', commands.undo);
  on('redo', commands.redo);
  on('clear', commands.clear);
  on('export', commands.exportPng);

  const show = () => {
    for (const button of toolbar.querySelectorAll('[data-tool]')) {
      button.setAttribute('aria-pressed', String(button.dataset.tool === tools.tool));
    }
    colorButton.style.setProperty('--current', tools.color);
    colorButton.title = `Colour ${tools.color} (arrow keys change it)`;
    for (const button of swatch.children) {
      button.classList.toggle('selected', Number(button.dataset.index) === tools.colorIndex);
    }
    widthInput.value = tools.width;
  };
  tools.addEventListener('change', show);
  show();

  document.addEventListener('keydown', (e) => onKey(e, tools, commands));
}

function onKey(e, tools, commands) {
  const target = e.target;
  if (target instanceof HTMLInputElement && target.type === 'text') return;
  const mod = e.ctrlKey || e.metaKey;
  const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -SWATCH_COLUMNS, ArrowDown: SWATCH_COLUMNS }[e.key];
  if (steps) {
    tools.set({ colorIndex: stepColor(tools.colorIndex, steps) });
  } else if (mod && e.key.toLowerCase() === 'z') {
    if (e.shiftKey) commands.redo(); else commands.undo();
  } else if (mod && e.key.toLowerCase() === 'y') {
    commands.redo();
  } else if (!mod && (e.key === 'Backspace' || e.key === 'Delete')) {
    commands.clear();
  } else if (!mod && !e.altKey && TOOL_KEYS[e.key]) {
    tools.set({ tool: TOOL_KEYS[e.key] });
  } else {
    return;
  }
  e.preventDefault();
}
