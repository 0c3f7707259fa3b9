// The app: wires signaling, the mesh, the model and the view together, and speaks
// the data-channel messages of docs/DATA-CHANNEL.md.

import { SignalingClient } from './signaling.js';
import { Mesh, MESH_EVENTS } from './mesh.js';
import { DrawingModel, History } from './model.js';
import { BoardView } from './board-view.js';
import { Tools, setUpToolbar } from './toolbar.js';
import { Presence } from './presence.js';

// A batch of catch-up entries stays well under the relay's 64 KiB body limit.
const BATCH_BYTES = 32_000;
const DRAWING_KINDS = new Set(['stroke', 'rect', 'ellipse', 'text', 'clear']);
const NAMES = ['Ada', 'Frida', 'Hokusai', 'Klee', 'Kahlo', 'Miró', 'Turner', 'Vermeer', 'Matisse', 'Hopper'];

const encoder = new TextEncoder();
const $ = (selector) => document.querySelector(selector);

async function start() {
  const roomId = decodeURIComponent(location.pathname.slice(1));
  const username = chooseName();
  const status = (text, state) => {
    $('#status').textContent = text;
    $('#status').dataset.state = state;
  };

  const config = await fetch('/config').then((r) => r.json()).catch(() => ({}));
  const signaling = new SignalingClient({ username, events: MESH_EVENTS });
  signaling.addEventListener('status', (e) => {
    const labels = { connecting: 'Connecting…', open: 'Online', reconnecting: 'Reconnecting…', replaced: 'Opened elsewhere', closed: 'Offline' };
    status(labels[e.detail.status] ?? e.detail.status, e.detail.status);
  });
  const me = await signaling.connect();

  const model = new DrawingModel(me.id);
  let history = new History(model);
  const mesh = new Mesh(signaling, { iceServers: config.iceServers ?? [] });
  const tools = new Tools();
  const presence = new Presence({ list: $('#people'), cursors: $('#cursors') });
  presence.upsert(me, 'self');
  let joined = false;

  // --- our own entries ---------------------------------------------------------------

  const create = (kind, fields) => {
    const entry = model.create(kind, fields);
    if (DRAWING_KINDS.has(kind)) history.record(entry);
    mesh.broadcast({ t: 'ops', ops: [entry] });
    return entry;
  };
  const share = (entry) => { if (entry) mesh.broadcast({ t: 'ops', ops: [entry] }); };

  const view = new BoardView(
    { stage: $('#stage'), frame: $('#frame'), board: $('#board'), overlay: $('#overlay') },
    model,
    tools,
    {
      create,
      cursor: (x, y) => mesh.broadcast({ t: 'cursor', x, y: y ?? null }, { lossy: true }),
    },
  );

  setUpToolbar($('#toolbar'), tools, {
    undo: () => share(history.undo()),
    redo: () => share(history.redo()),
    clear: () => create('clear', {}),
    exportPng: async () => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await view.toBlob());
      link.download = `drawbridge-${roomId}.png`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    },
  });

  // --- the room ---------------------------------------------------------------------

  signaling.addEventListener('add-peer', ({ detail: { peer, roomId: room, offer } }) => {
    if (room === roomId) mesh.addPeer(peer, offer);
  });
  signaling.addEventListener('remove-peer', ({ detail: { peer, roomId: room } }) => {
    if (room === roomId) mesh.removePeer(peer.id);
  });
  signaling.addEventListener('resync', async () => {
    // The server lost events meant for us: start the room over. Leaving tells the others to
    // drop their links to us; joining gives everyone fresh `add-peer`s. The log stays.
    mesh.removeAll();
    await signaling.leave(roomId).catch(() => {});
    await signaling.join(roomId).catch((e) => console.warn('rejoin', e));
  });
  signaling.addEventListener('connected', ({ detail: { user, newIdentity } }) => {
    if (!newIdentity) return;
    // The server forgot us and we came back as a new peer: author under the new id from now on.
    mesh.removeAll();
    model.reassign(user.id);
    history = new History(model);
    presence.remove(me.id);
    presence.upsert(user, 'self');
    signaling.join(roomId).catch((e) => console.warn('rejoin', e));
  });

  mesh.addEventListener('peer-added', ({ detail: { peer } }) => presence.upsert(peer, 'connecting'));
  mesh.addEventListener('peer-state', ({ detail: { peer, transport } }) => presence.upsert(peer, transport));
  mesh.addEventListener('peer-removed', ({ detail: { peer } }) => presence.remove(peer.id));
  // Every time a way to a peer opens, tell it what we hold; it answers with what we lack.
  mesh.addEventListener('ready', ({ detail: { peer } }) => {
    mesh.send(peer.id, { t: 'hello', have: model.summary() });
  });
  mesh.addEventListener('message', ({ detail: { peer, message } }) => {
    switch (message?.t) {
      case 'hello':
        for (const ops of batches(model.missingFor(message.have), BATCH_BYTES)) mesh.send(peer.id, { t: 'ops', ops });
        break;
      case 'ops':
        if (Array.isArray(message.ops)) message.ops.forEach((entry) => model.receive(entry));
        break;
      case 'cursor':
        presence.cursor(peer, message.x, message.y);
        break;
      default:
        break; // a newer app's message: ignore
    }
  });

  window.addEventListener('pagehide', () => signaling.close());

  try {
    await signaling.join(roomId);
    joined = true;
    status('Online', 'open');
  } catch (e) {
    const message = e.code === 'room_full'
      ? `This room is full (at most ${config.maxRoomSize ?? 16} people). Start a new one at /.`
      : `Could not join the room: ${e.message}`;
    $('#notice').textContent = message;
    $('#notice').hidden = false;
  }

  // Read-only hooks for tests and the curious; nothing here changes state.
  window.drawbridge = Object.freeze({
    state: () => ({
      me: signaling.user,
      roomId,
      joined,
      tokenExpiresAt: signaling.tokenExpiresAt,
      entries: model.size,
      visible: model.visible().length,
      clock: model.clock,
    }),
    peers: () => mesh.peers(),
    /** The size of the whole log as JSON: what a late joiner has to fetch. */
    logBytes: () => JSON.stringify(model.missingFor({})).length,
  });
}

/** Splits entries into arrays whose JSON stays under `maxBytes` (one entry is always small). */
function* batches(entries, maxBytes) {
  let batch = [];
  let size = 0;
  for (const entry of entries) {
    const bytes = encoder.encode(JSON.stringify(entry)).length;
    if (batch.length && size + bytes > maxBytes) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(entry);
    size += bytes;
  }
  if (batch.length) yield batch;
}

function chooseName() {
  const fromUrl = new URLSearchParams(location.search).get('name')?.trim();
  if (fromUrl) return fromUrl.slice(0, 64);
  let name = localStorage.getItem('drawbridge.name');
  if (!name) {
    name = `${NAMES[Math.floor(Math.random() * NAMES.length)]} ${Math.floor(Math.random() * 90) + 10}`;
    localStorage.setItem('drawbridge.name', name);
  }
  return name;
}

start().catch((e) => {
  console.error(e);
  $('#notice').textContent = `Drawbridge could not start: ${e.message}`;
  $('#notice').hidden = false;
});
