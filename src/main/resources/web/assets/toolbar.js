// The toolbar: tool, colour and width, the buttons, and the keyboard shortcuts.

import { PALETTE, SWATCH_COLUMNS, stepColor } from './palette.js';
import { isTyping } from './theme.js';
import { isImageFile } from './images.js';

const TOOL_KEYS = {
  v: 'select', p: 'pencil', r: 'rect', o: 'ellipse', i: 'line', a: 'arrow', t: 'text', n: 'note', e: 'eraser', h: 'hand', l: 'laser',
};
// The arrow keys move a selection this many canvas pixels (with Shift: the bigger step).
const NUDGE_PX = 10;
const NUDGE_SHIFT_PX = 100;

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
 * @param {object} commands {undo(), redo(), clear(), exportPng(), exportSvg(), exportJson(), importFile(file), zoomIn(), zoomOut(), zoomReset(), zoomToFit(),
 *   hasSelection(), moveSelection(dx, dy), deleteSelection(), duplicate(), selectAll(), deselect(),
 *   editNote() -> true when the selection is one note, whose editor it opened,
 *   copy(clipboardData, cut) -> handled, paste(clipboardData) -> handled,
 *   addImage(file, clientX, clientY): an image file picked (no position: the view's centre) or dropped there}
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
  on('export-svg', commands.exportSvg);
  on('export-json', commands.exportJson);
  // Import: the file picker, or a .json file dropped on the board.
  const picker = toolbar.querySelector('#import-file');
  on('import-json', () => picker.click());
  picker.addEventListener('change', () => {
    if (picker.files[0]) commands.importFile(picker.files[0]);
    picker.value = ''; // the same file may be picked again
  });
  // Images: the picker (its button, or Shift+I), a file dropped on the board, or a paste.
  const imagePicker = toolbar.querySelector('#image-file');
  on('add-image', () => imagePicker.click());
  imagePicker.addEventListener('change', () => {
    if (imagePicker.files[0]) commands.addImage(imagePicker.files[0]);
    imagePicker.value = '';
  });
  document.addEventListener('keydown', (e) => {
    if (e.code === 'KeyI' && e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target) && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      imagePicker.click();
    }
  });
  const stage = document.querySelector('#stage');
  const boardFile = (e) => [...(e.dataTransfer?.items ?? [])].some((item) => item.kind === 'file');
  stage.addEventListener('dragover', (e) => {
    if (!boardFile(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  stage.addEventListener('drop', (e) => {
    if (!boardFile(e)) return;
    e.preventDefault(); // a dropped file is ours, not one for the browser to open instead of the board
    const files = [...e.dataTransfer.files];
    const image = files.find(isImageFile);
    if (image) {
      commands.addImage(image, e.clientX, e.clientY);
      return;
    }
    commands.importFile(files.find((f) => f.name.endsWith('.json') || f.type === 'application/json') ?? files[0]);
  });
  on('zoom-in', commands.zoomIn);
  on('zoom-out', commands.zoomOut);
  on('zoom-reset', commands.zoomReset);
  on('zoom-fit', commands.zoomToFit);

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
  // Copy, cut and paste through the system clipboard, unless typing somewhere.
  const clipboard = (handler) => (e) => {
    if (isTyping(e.target) || !e.clipboardData) return;
    if (handler(e)) e.preventDefault();
  };
  document.addEventListener('copy', clipboard((e) => commands.copy(e.clipboardData, false)));
  document.addEventListener('cut', clipboard((e) => commands.copy(e.clipboardData, true)));
  document.addEventListener('paste', clipboard((e) => commands.paste(e.clipboardData)));
}

function onKey(e, tools, commands) {
  // Keys typed into a field are the field's; in an open dialog (the shortcuts panel), the dialog's
  // (Escape closes it, which preventDefault here would stop).
  if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
  const mod = e.ctrlKey || e.metaKey;
  const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -SWATCH_COLUMNS, ArrowDown: SWATCH_COLUMNS }[e.key];
  const nudge = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
  if (nudge && !mod && commands.hasSelection()) {
    // With a selection the arrows move it; otherwise they pick the colour.
    const step = e.shiftKey ? NUDGE_SHIFT_PX : NUDGE_PX;
    commands.moveSelection(nudge[0] * step, nudge[1] * step);
  } else if (steps) {
    tools.set({ colorIndex: stepColor(tools.colorIndex, steps) });
  } else if (mod && e.key.toLowerCase() === 'z') {
    if (e.shiftKey) commands.redo(); else commands.undo();
  } else if (mod && e.key.toLowerCase() === 'y') {
    commands.redo();
  } else if (!mod && (e.key === 'Backspace' || e.key === 'Delete')) {
    // The selection if there is one, else the whole board.
    if (commands.hasSelection()) commands.deleteSelection(); else commands.clear();
  } else if (mod && e.key.toLowerCase() === 'd') {
    commands.duplicate();
  } else if (mod && e.key.toLowerCase() === 'a') {
    tools.set({ tool: 'select' });
    commands.selectAll();
  } else if (!mod && e.key === 'Escape') {
    commands.deselect();
  } else if (!mod && e.key === 'Enter' && !(e.target instanceof HTMLButtonElement) && commands.editNote()) {
    // Enter on a selected note edits its text (on a focused button it presses the button).
  } else if (!mod && (e.key === '+' || e.key === '=')) {
    commands.zoomIn();
  } else if (!mod && (e.key === '-' || e.key === '_')) {
    commands.zoomOut();
  } else if (!mod && e.key === '0') {
    commands.zoomReset();
  } else if (!mod && e.key === '!' && e.code === 'Digit1') {
    commands.zoomToFit();
  } else if (!mod && !e.altKey && TOOL_KEYS[e.key] && !(e.shiftKey && e.code === 'KeyI')) {
    // (Shift+I, even with Caps Lock on, opens the image picker instead of choosing the line.)
    tools.set({ tool: TOOL_KEYS[e.key] });
  } else {
    return;
  }
  e.preventDefault();
}
