// Who is here: the people list (with each peer's colour and connection) and their cursors.

import { peerColor } from './palette.js';
import { BOARD } from './render.js';

const TRANSPORT_LABELS = {
  self: 'you',
  connecting: 'connecting…',
  p2p: 'peer-to-peer',
  relay: 'via server relay',
  unverified: 'not verified: another key',
};

// A cursor that has not moved for this long fades out (its peer may just be idle).
const CURSOR_IDLE_MS = 10_000;

export class Presence {
  #list;
  #cursors;
  #entries = new Map(); // peerId -> {item, cursor, idleTimer}

  constructor({ list, cursors }) {
    this.#list = list;
    this.#cursors = cursors;
  }

  /** Shows a person in the list; `transport` is a key of TRANSPORT_LABELS. */
  upsert(peer, transport) {
    let entry = this.#entries.get(peer.id);
    if (!entry) {
      const item = document.createElement('li');
      item.dataset.peer = peer.id;
      item.innerHTML = '<span class="dot"></span><span class="name"></span><span class="transport"></span>';
      item.querySelector('.dot').style.background = peerColor(peer.id);
      item.querySelector('.name').textContent = peer.username;
      if (transport === 'self') this.#list.prepend(item); else this.#list.append(item);
      entry = { item, cursor: null, idleTimer: null };
      this.#entries.set(peer.id, entry);
    }
    entry.item.dataset.transport = transport;
    entry.item.querySelector('.transport').textContent = TRANSPORT_LABELS[transport] ?? transport;
  }

  remove(peerId) {
    const entry = this.#entries.get(peerId);
    if (!entry) return;
    entry.item.remove();
    entry.cursor?.remove();
    clearTimeout(entry.idleTimer);
    this.#entries.delete(peerId);
  }

  /** Moves a peer's cursor to a board position, or hides it when `x` is null. */
  cursor(peer, x, y) {
    const entry = this.#entries.get(peer.id);
    if (!entry) return;
    if (x == null || !Number.isFinite(x) || !Number.isFinite(y)) {
      entry.cursor?.remove();
      entry.cursor = null;
      return;
    }
    if (!entry.cursor) {
      entry.cursor = document.createElement('div');
      entry.cursor.className = 'cursor';
      entry.cursor.dataset.peer = peer.id;
      entry.cursor.style.setProperty('--color', peerColor(peer.id));
      entry.cursor.innerHTML = '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M1 1l5 14 2-6 6-2z"/></svg><span></span>';
      entry.cursor.querySelector('span').textContent = peer.username;
      this.#cursors.append(entry.cursor);
    }
    // Percentages of the board: right at any window size.
    entry.cursor.style.left = `${(x / BOARD.width) * 100}%`;
    entry.cursor.style.top = `${(y / BOARD.height) * 100}%`;
    entry.cursor.classList.remove('idle');
    clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => entry.cursor?.classList.add('idle'), CURSOR_IDLE_MS);
  }
}
