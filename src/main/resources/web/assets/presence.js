// Who is here: the people list (with each peer's colour and connection, and a button to follow
// each one's view), their cursors, laser trails and views.

import { peerColor } from './palette.js';

const TRANSPORT_LABELS = {
  self: 'you',
  connecting: 'connecting…',
  p2p: 'peer-to-peer',
  relay: 'via server relay',
  unverified: 'not verified: another key',
};

// A cursor that has not moved for this long fades out (its peer may just be idle).
const CURSOR_IDLE_MS = 10_000;
// A laser pointer's trail fades out over this long after each point.
const LASER_FADE_MS = 1000;
const LASER_COLOR = '239 68 68'; // red, as RGB for rgb(... / alpha)

export class Presence {
  #list;
  #cursors;
  #entries = new Map(); // peerId -> {peer, item, cursor, idleTimer, at, view}
  #following = null; // the id of the person whose view this page follows, or null
  /** Where a world point shows, as fractions of the board on screen (set by the app). */
  project = (x, y) => ({ x: x / 1600, y: y / 900 });
  /** Called with a person ({id, username}) when their Follow button is pressed (set by the app). */
  onFollow = () => {};

  #laser; // the canvas the laser trails are drawn on, or null
  #trails = new Map(); // peerId -> [{x, y, t, start}]: world points, `start` where a trail begins
  #laserFrame = 0;

  constructor({ list, cursors, laser = null }) {
    this.#list = list;
    this.#cursors = cursors;
    this.#laser = laser;
  }

  /**
   * Adds a point to a person's laser trail (a world position), or ends the trail when `x` is null.
   * Trails are drawn where their points are in the world, fade within LASER_FADE_MS, and are kept
   * nowhere else.
   */
  laser(peer, x, y) {
    if (!this.#laser) return;
    let trail = this.#trails.get(peer.id);
    if (x == null || !Number.isFinite(x) || !Number.isFinite(y)) {
      if (trail?.length) trail.at(-1).end = true;
      return;
    }
    if (!trail) this.#trails.set(peer.id, trail = []);
    const start = trail.length === 0 || trail.at(-1).end === true;
    trail.push({ x, y, t: performance.now(), start });
    this.#laserFrame ||= requestAnimationFrame(() => this.#drawLaser());
  }

  #drawLaser() {
    this.#laserFrame = 0;
    const canvas = this.#laser;
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const now = performance.now();
    ctx.lineCap = 'round';
    ctx.lineWidth = 5;
    for (const [peerId, trail] of this.#trails) {
      while (trail.length && now - trail[0].t >= LASER_FADE_MS) trail.shift();
      if (!trail.length) {
        this.#trails.delete(peerId);
        continue;
      }
      for (let i = 0; i < trail.length; i++) {
        const point = trail[i];
        const at = this.project(point.x, point.y);
        const [px, py] = [at.x * canvas.width, at.y * canvas.height];
        const alpha = 1 - (now - point.t) / LASER_FADE_MS;
        ctx.strokeStyle = ctx.fillStyle = `rgb(${LASER_COLOR} / ${alpha.toFixed(3)})`;
        if (point.start || i === 0) {
          ctx.beginPath();
          ctx.arc(px, py, ctx.lineWidth / 2, 0, 2 * Math.PI);
          ctx.fill();
        } else {
          const before = this.project(trail[i - 1].x, trail[i - 1].y);
          ctx.beginPath();
          ctx.moveTo(before.x * canvas.width, before.y * canvas.height);
          ctx.lineTo(px, py);
          ctx.stroke();
        }
      }
    }
    if (this.#trails.size) this.#laserFrame = requestAnimationFrame(() => this.#drawLaser());
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
      if (transport === 'self') {
        this.#list.prepend(item);
      } else {
        const follow = document.createElement('button');
        follow.type = 'button';
        follow.className = 'follow';
        follow.addEventListener('click', () => this.onFollow(peer));
        item.append(follow);
        this.#list.append(item);
      }
      entry = { peer, item, cursor: null, idleTimer: null, view: null };
      this.#entries.set(peer.id, entry);
      this.#showFollow(entry);
    }
    entry.item.dataset.transport = transport;
    entry.item.querySelector('.transport').textContent = TRANSPORT_LABELS[transport] ?? transport;
  }

  /**
   * Shows whether a person sees the same board as we do: `sync` is sync.js's `describe`
   * {state, text, label}, or null for nothing. The short text is for the eye; screen readers
   * read the whole sentence instead.
   */
  sync(peerId, sync) {
    const entry = this.#entries.get(peerId);
    if (!entry) return;
    let element = entry.item.querySelector('.sync');
    if (!sync) {
      element?.remove();
      return;
    }
    if (!element) {
      element = document.createElement('span');
      element.className = 'sync';
      element.innerHTML = '<span aria-hidden="true"></span><span class="visually-hidden"></span>';
      entry.item.append(element);
    }
    if (element.dataset.sync === sync.state && element.title === sync.label) return;
    element.dataset.sync = sync.state;
    element.title = sync.label;
    element.firstChild.textContent = sync.text;
    element.lastChild.textContent = sync.label;
  }

  remove(peerId) {
    this.#trails.delete(peerId);
    const entry = this.#entries.get(peerId);
    if (!entry) return;
    entry.item.remove();
    entry.cursor?.remove();
    clearTimeout(entry.idleTimer);
    this.#entries.delete(peerId);
  }

  /**
   * Keeps a person's view (view.js: {level, ox, oy}, as their `view` message says), for following
   * it; returns it, or null when the message does not hold a view.
   */
  view(peer, level, ox, oy) {
    const entry = this.#entries.get(peer.id);
    if (!entry || !Number.isInteger(level) || !Number.isFinite(ox) || !Number.isFinite(oy)) return null;
    entry.view = { level, ox, oy };
    return entry.view;
  }

  /** The last view a person sent, or null. */
  viewOf(peerId) {
    return this.#entries.get(peerId)?.view ?? null;
  }

  /** Every person's last view, by peer id. */
  views() {
    return Object.fromEntries([...this.#entries].filter(([, e]) => e.view).map(([id, e]) => [id, { ...e.view }]));
  }

  /** The person this page follows, or null. */
  get following() {
    return this.#following;
  }

  /** Shows whom this page follows (null: nobody) on the people's buttons. */
  showFollowing(peerId) {
    this.#following = peerId;
    for (const entry of this.#entries.values()) this.#showFollow(entry);
  }

  #showFollow(entry) {
    const button = entry.item.querySelector('.follow');
    if (!button) return;
    const on = this.#following === entry.peer.id;
    button.textContent = on ? 'Stop following' : 'Follow';
    button.setAttribute('aria-label', `${on ? 'Stop following' : 'Follow'} ${entry.peer.username}`);
    button.setAttribute('aria-pressed', String(on));
    button.title = on ? 'Stop following (Escape, or move your own view)' : `Show what ${entry.peer.username} looks at, as they pan and zoom`;
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
    entry.at = { x, y };
    this.#place(entry);
    entry.cursor.classList.remove('idle');
    clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => entry.cursor?.classList.add('idle'), CURSOR_IDLE_MS);
  }

  /** Puts every cursor where its world point shows now (after this page's view moved). */
  relayout() {
    for (const entry of this.#entries.values()) if (entry.cursor) this.#place(entry);
  }

  #place(entry) {
    // Percentages of the board: right at any window size; a cursor off the view is hidden.
    const at = this.project(entry.at.x, entry.at.y);
    entry.cursor.style.left = `${at.x * 100}%`;
    entry.cursor.style.top = `${at.y * 100}%`;
    entry.cursor.hidden = at.x < 0 || at.y < 0 || at.x > 1 || at.y > 1;
  }
}
