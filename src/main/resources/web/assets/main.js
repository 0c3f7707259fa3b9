// The app: wires signaling, the mesh, the model and the view together, and speaks
// the data-channel messages of docs/DATA-CHANNEL.md.

import { SignalingClient } from './signaling.js';
import { Mesh, MESH_EVENTS } from './mesh.js';
import { DRAWING_KINDS, DrawingModel, History, PART_KINDS } from './model.js';
import { BoardView } from './board-view.js';
import { Tools, setUpToolbar } from './toolbar.js';
import { Presence } from './presence.js';
import { SyncWatch } from './sync.js';
import { RoomKey, isRoomKey, newRoomKey } from './room-key.js';
import { BoardStore, hasSavedBoard } from './board-store.js';
import { takeEarlyStart } from './boot.js';
import { setUpTheme } from './theme.js';
import { setUpHelp } from './help.js';
import { peerColor } from './palette.js';
import { CLIPBOARD_TYPE, parsePayload } from './selection.js';
import { download, exportedElements, parseBoardFile, toBoardFile, toPng, toSvg } from './files.js';
import { isImageFile, prepareImage } from './images.js';

// A batch of catch-up entries stays well under the relay's 64 KiB body limit.
const BATCH_BYTES = 32_000;
// Our view is sent at most this often while it moves, and once more, for sure, this long after it stops.
const VIEW_MS = 50;
const VIEW_REST_MS = 200;
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
  let locked = false;
  const notice = (message, link) => {
    $('#notice').textContent = message;
    if (link) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      $('#notice').append(' ', a);
    }
    $('#notice').hidden = false;
  };
  /** Shows nothing more, sends nothing more: this page cannot authenticate the board. */
  const lock = (message) => {
    locked = true;
    document.body.classList.add('locked');
    notice(message, { href: '/', text: 'Start a new board' });
  };

  const configLoading = fetch('/config').then((r) => r.json()).catch(() => ({}));
  // The room key: `#new` (from GET /) asks for a fresh one; a link without a fragment is a plain room.
  let fragment = location.hash.slice(1);
  if (fragment === 'new') {
    fragment = newRoomKey();
    window.history.replaceState(null, '', `${location.pathname}${location.search}#${fragment}`);
  }
  const sealed = fragment !== '';
  // boot.js has already started deriving the key, fetching the stored board and opening this
  // device's database for this link: take them over (or start them now, for a new room).
  const early = takeEarlyStart(roomId, fragment);
  let key = null;
  if (sealed && isRoomKey(fragment)) key = await (early?.key ?? RoomKey.derive(roomId, fragment));
  performance.mark('board: key derived');
  // The stored board is asked for at once: it downloads while the rest starts.
  const firstPage = key ? (early?.firstPage ?? BoardStore.prefetch(roomId, key)) : null;

  const config = await configLoading;
  const signaling = new SignalingClient({ username, events: MESH_EVENTS });
  signaling.addEventListener('status', (e) => {
    const labels = { connecting: 'Connecting…', open: 'Online', reconnecting: 'Reconnecting…', replaced: 'Opened elsewhere', closed: 'Offline' };
    status(labels[e.detail.status] ?? e.detail.status, e.detail.status);
  });
  // A saved board loads while we connect, and opens offline too: until the server gives us our
  // peer id we author under a provisional one (entries only need an author id no one else uses).
  const connecting = sealed ? signaling.connect().catch(() => null) : Promise.resolve(await signaling.connect());
  let me = { id: `local-${newRoomKey().slice(0, 16)}`, username };

  const model = new DrawingModel(me.id);
  function becomeUser(user) {
    // A new identity from the server: author under it from now on.
    mesh.removeAll();
    model.reassign(user.id);
    history = new History(model);
    presence.remove(me.id);
    presence.upsert(user, 'self');
    me = user;
  }
  let history = new History(model);
  const mesh = new Mesh(signaling, {
    iceServers: config.iceServers ?? [], iceTransportPolicy: config.iceTransportPolicy ?? 'all', key, roomId,
  });
  // TURN credentials are made for our peer id (/config with our token): fetched once we have one,
  // before we join, and again at half their life for the peer connections made later.
  let iceTimer = null;
  const refreshIceServers = async () => {
    if (!config.turn) return;
    clearTimeout(iceTimer);
    const fresh = await signaling.getJson('/config').catch((e) => { console.warn('config', e); return null; });
    if (fresh?.iceServers) mesh.setIceServers(fresh.iceServers);
    const ttl = Number(fresh?.iceServersTtl) || 0;
    iceTimer = setTimeout(() => refreshIceServers(), Math.max(60, fresh ? ttl / 2 : 60) * 1000);
  };
  const tools = new Tools();
  const presence = new Presence({ list: $('#people'), cursors: $('#cursors'), laser: $('#laser') });
  presence.upsert(me, 'self');
  // Whether each person sees the same board as we do (sync.js): our digest, told to them.
  const sync = new SyncWatch(model, {
    send: (peerId, message) => {
      if (locked) return;
      if (peerId) mesh.send(peerId, message); else mesh.broadcast(message);
    },
    show: (peerId, description) => presence.sync(peerId, description),
  });
  let joined = false;

  // --- our own entries ---------------------------------------------------------------

  let heldOps = null; // test-only (`holdOps` below): `ops` messages held back, in order
  /** Every entry we send goes through here: to one peer, or (peerId null) to all. */
  const sendOps = (peerId, ops) => {
    const message = { t: 'ops', ops };
    if (heldOps) heldOps.push([peerId, message]);
    else if (peerId) mesh.send(peerId, message);
    else mesh.broadcast(message);
  };
  const create = (kind, fields) => {
    const entry = model.create(kind, fields);
    if (DRAWING_KINDS.has(kind)) history.record(entry);
    sendOps(null, [entry]);
    return entry;
  };
  const share = (entries) => {
    for (const ops of batches(entries, BATCH_BYTES)) sendOps(null, ops);
  };
  /** One edit: the entries `build(create)` makes are one undo step, sent together. */
  const edit = (build) => {
    if (locked) return [];
    const made = [];
    build((kind, fields) => {
      const entry = model.createChecked(kind, fields);
      if (entry) made.push(entry);
      return entry;
    });
    history.record(...made.filter((entry) => !PART_KINDS.has(entry.kind)));
    share(made);
    return made;
  };
  const unlessLocked = (action) => (...args) => (locked ? null : action(...args));

  const view = new BoardView(
    { stage: $('#stage'), frame: $('#frame'), board: $('#board'), overlay: $('#overlay') },
    model,
    tools,
    {
      create,
      edit,
      cursor: (x, y) => { if (!locked) mesh.broadcast({ t: 'cursor', x, y: y ?? null }, { lossy: true }); },
      // The laser pointer: shown here and to the others as it moves, never stored, never undone.
      laser: (x, y) => {
        if (locked) return;
        presence.laser(me, x, y);
        mesh.broadcast({ t: 'laser', x, y: y ?? null }, { lossy: true });
      },
    },
  );

  presence.project = (x, y) => view.toScreenFraction(x, y);
  const showZoom = () => { $('#zoom-reset').textContent = `${Math.round(view.view.zoom * 100)}%`; };

  // --- following someone's view ---------------------------------------------------------
  // Views travel as `view` messages (docs/DATA-CHANNEL.md), like cursors: never stored. Ours goes
  // out as it moves; following someone sets ours to theirs as theirs arrives, until we move it
  // ourselves (any change of the view that is not theirs), press Escape or the button again.

  let viewTimer = null;
  let viewSentAt = -Infinity;
  const viewMessage = () => ({ t: 'view', level: view.view.level, ox: view.view.ox, oy: view.view.oy });
  const shareView = () => {
    if (locked) return;
    const now = performance.now();
    if (now - viewSentAt >= VIEW_MS) {
      viewSentAt = now;
      mesh.broadcast(viewMessage(), { lossy: true });
    }
    // Where the view comes to rest is sent unlossy: a follower ends where we end.
    clearTimeout(viewTimer);
    viewTimer = setTimeout(() => {
      viewSentAt = performance.now();
      mesh.broadcast(viewMessage());
    }, VIEW_REST_MS);
  };
  let takingTheirView = false;
  const takeView = (theirs) => {
    takingTheirView = true;
    try {
      view.view.set(theirs);
    } finally {
      takingTheirView = false;
    }
  };
  const follow = (peer) => {
    presence.showFollowing(peer?.id ?? null);
    const indicator = $('#following');
    indicator.hidden = !peer;
    $('#frame').classList.toggle('followed', Boolean(peer));
    if (!peer) return;
    indicator.textContent = `Following ${peer.username}: Escape or your own pan or zoom stops`;
    $('#frame').style.setProperty('--followed', peerColor(peer.id));
    const theirs = presence.viewOf(peer.id);
    if (theirs) takeView(theirs);
  };
  const stopFollowing = () => { if (presence.following) follow(null); };
  presence.onFollow = (peer) => follow(presence.following === peer.id ? null : peer);

  view.addEventListener('view', () => {
    presence.relayout();
    showZoom();
    if (!takingTheirView) stopFollowing();
    shareView();
  });

  setUpTheme($('#theme'));
  setUpHelp($('#help'), $('#toolbar'), $('#help-button'));
  setUpToolbar($('#toolbar'), tools, {
    undo: unlessLocked(() => share(history.undo())),
    redo: unlessLocked(() => share(history.redo())),
    clear: unlessLocked(() => create('clear', {})),
    hasSelection: () => view.hasSelection,
    moveSelection: (dx, dy) => view.moveSelection(dx, dy),
    deleteSelection: () => view.deleteSelection(),
    duplicate: () => view.duplicateSelection(),
    selectAll: () => view.selectAll(),
    deselect: () => {
      view.deselect();
      stopFollowing();
    },
    editNote: () => view.editSelectedNote(),
    // The system clipboard: copied elements as JSON under CLIPBOARD_TYPE and as text/plain (so
    // they paste into another board, in another tab or browser too).
    copy: (clipboard, cut) => {
      const payload = view.copySelection();
      if (!payload) return false;
      const json = JSON.stringify(payload);
      clipboard.setData(CLIPBOARD_TYPE, json);
      clipboard.setData('text/plain', json);
      if (cut) view.deleteSelection();
      return true;
    },
    paste: (clipboard) => {
      const payload = parsePayload(clipboard.getData(CLIPBOARD_TYPE)) ?? parsePayload(clipboard.getData('text/plain'));
      // An image copied elsewhere (a screenshot, an image from a web page) comes as a file.
      const image = payload ? null : [...(clipboard.files ?? [])].find(isImageFile);
      if ((!payload && !image) || locked) return false;
      if (image) addImage(image, null); else view.paste(payload);
      return true;
    },
    zoomIn: () => view.zoomBy(1),
    zoomOut: () => view.zoomBy(-1),
    zoomReset: () => view.view.reset(),
    zoomToFit: () => view.zoomToFit(),
    // Files (docs/FILE-FORMAT.md): the PNG and the SVG hold the selection when there is one; else
    // the PNG is the board at this page's view, the SVG the whole board.
    exportPng: async () => {
      const selected = view.selectedElements;
      if (!selected.length) {
        download(await view.toBlob(), `drawbridge-${roomId}.png`);
        return;
      }
      const png = await toPng(exportedElements(model.visible(), selected));
      if (png) download(png, `drawbridge-${roomId}-selection.png`);
    },
    exportSvg: () => {
      const elements = exportedElements(model.visible(), view.selectedElements);
      download(new Blob([toSvg(elements)], { type: 'image/svg+xml' }), `drawbridge-${roomId}.svg`);
    },
    exportJson: () => {
      const file = toBoardFile(model.visible(), roomId);
      download(new Blob([JSON.stringify(file)], { type: 'application/json' }), `${roomId}.drawbridge.json`);
    },
    importFile: unlessLocked((file) => file && importBoardFile(file)),
    // An image picked (at the view's centre) or dropped (where it was dropped).
    addImage: unlessLocked((file, clientX, clientY) => {
      if (file) addImage(file, clientX === undefined ? view.centre : view.worldAtClient(clientX, clientY));
    }),
  });

  /** Brings an image file within the bounds (images.js) and puts it on the board at `at` (null: the pointer), or says why not. */
  async function addImage(file, at) {
    try {
      view.placeImage(await prepareImage(file), at);
    } catch (e) {
      notice(`${file.name || 'The image'}: ${e.message}`);
    }
  }

  /** Adds a board file's elements as one edit of ours (one undo step), or says why not. */
  async function importBoardFile(file) {
    const { payload, error } = parseBoardFile(await file.text().catch(() => ''));
    if (error) {
      notice(`${file.name}: ${error}`);
      return;
    }
    view.place(payload);
  }

  // --- storage: this device, then the server (saved boards only) --------------------

  let store = null;
  if (sealed && !key) {
    lock('This link\'s key is damaged: the part after # is not a Drawbridge key. Ask for the link again.');
  } else if (key) {
    store = new BoardStore({
      roomId, key, model, firstPage, database: early?.database,
      // A snapshot carries the picture of the default view; opening one shows it as it is.
      picture: () => view.picture(),
      onPicture: (tiles) => view.seed(tiles),
      holdFrames: (promise) => view.holdFrames(promise),
      compactAfter: Number(new URLSearchParams(location.search).get('compact-after')) || undefined,
    });
    store.addEventListener('status', ({ detail: { state } }) => showSaved(state));
    showSaved(store.state);
    await store.openLocal();
    try {
      await store.load();
    } catch (e) {
      lock(e.code === 'wrong_proof'
        ? 'This link\'s key does not open this board: the server keeps a board under this name, sealed with another key. Check that you have the whole link.'
        : `The server refused this board: ${e.message}`);
    }
    setUpDelete(store);
  } else {
    $('#plain-note').hidden = false;
    if (await hasSavedBoard(roomId)) {
      lock('This board is saved and end-to-end encrypted, and this link lacks its key (the part after #). Ask whoever shared it for the whole link.');
    }
  }

  // Caching the app for offline use fetches every file again: after the board is on screen.
  registerServiceWorker();

  const user = await connecting;
  const online = user !== null;
  if (online) becomeUser(user); else status('Offline', 'closed');

  // --- the room ---------------------------------------------------------------------

  signaling.addEventListener('add-peer', ({ detail: { peer, roomId: room, offer } }) => {
    if (room === roomId && !locked) mesh.addPeer(peer, offer);
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
    becomeUser(user);
    refreshIceServers().then(() => signaling.join(roomId)).catch((e) => console.warn('rejoin', e));
  });

  mesh.addEventListener('peer-added', ({ detail: { peer } }) => presence.upsert(peer, 'connecting'));
  mesh.addEventListener('peer-state', ({ detail: { peer, transport } }) => presence.upsert(peer, transport));
  mesh.addEventListener('peer-removed', ({ detail: { peer } }) => {
    if (presence.following === peer.id) stopFollowing();
    sync.forget(peer.id);
    presence.remove(peer.id);
  });
  // Every time a way to a peer opens, tell it what we hold; it answers with what we lack.
  mesh.addEventListener('ready', ({ detail: { peer } }) => {
    mesh.send(peer.id, { t: 'hello', have: model.summary() });
    mesh.send(peer.id, viewMessage()); // so that it can follow us before we move
    sync.connected(peer.id);
  });
  mesh.addEventListener('message', ({ detail: { peer, message } }) => {
    if (locked) return;
    switch (message?.t) {
      case 'hello':
        for (const ops of batches(model.missingFor(message.have), BATCH_BYTES)) sendOps(peer.id, ops);
        break;
      case 'ops':
        // One change for the whole batch: a catch-up of thousands is applied and drawn at once.
        if (Array.isArray(message.ops)) model.receiveAll(message.ops);
        break;
      case 'cursor':
        presence.cursor(peer, message.x, message.y);
        break;
      case 'laser':
        presence.laser(peer, message.x, message.y);
        break;
      case 'view': {
        const theirs = presence.view(peer, message.level, message.ox, message.oy);
        if (theirs && presence.following === peer.id) takeView(theirs);
        break;
      }
      case 'sync':
        sync.reported(peer, message);
        break;
      default:
        break; // a newer app's message: ignore
    }
  });
  const unreadable = new Set();
  mesh.addEventListener('unreadable', ({ detail: { peer, sealed: wasSealed } }) => {
    if (!key && wasSealed) {
      lock('This board is end-to-end encrypted, and this link lacks its key (the part after #). Ask whoever shared it for the whole link.');
      mesh.removeAll();
      return;
    }
    presence.upsert(peer, 'unverified');
    if (unreadable.has(peer.id)) return;
    unreadable.add(peer.id);
    notice(`What ${peer.username} sends cannot be verified with this board's key (another link, or an old one), so it is not shown.`);
  });

  window.addEventListener('pagehide', () => signaling.close());

  // Test-only: a test that defines `window.drawbridgeTest` before the app starts (an init
  // script) gets `holdOps(true)`, which keeps every entry we send back, as a transport that is
  // far behind would, and `holdOps(false)`, which sends what was held, in order. Our `sync`
  // digests still go out. Without that object nothing here is reachable.
  if (window.drawbridgeTest && typeof window.drawbridgeTest === 'object') {
    window.drawbridgeTest.holdOps = (hold) => {
      if (hold) {
        heldOps ??= [];
        return;
      }
      const held = heldOps ?? [];
      heldOps = null;
      for (const [peerId, { ops }] of held) sendOps(peerId, ops);
    };
  }

  // Hooks for tests and the curious. Nothing here changes the board; `setView` changes only what
  // this page looks at, as panning and zooming do.
  window.drawbridge = Object.freeze({
    state: () => ({
      me: signaling.user ?? me,
      roomId,
      joined,
      sealed,
      locked,
      storage: store?.describe() ?? null,
      tokenExpiresAt: signaling.tokenExpiresAt,
      transport: signaling.transport,
      entries: model.size,
      digest: model.digest.digest,
      visible: model.visible().length,
      clock: model.clock,
    }),
    peers: () => mesh.peers(),
    /** The size of the whole log as JSON: what a late joiner has to fetch. */
    logBytes: () => JSON.stringify(model.missingFor({})).length,
    /** The last frame drawn: {entries held then, at: performance.now()}. */
    rendered: () => view.rendered,
    /** True when the canvas shows every entry held, at the current view, with nothing pending. */
    settled: () => view.settled,
    /** The notes on the board as this page draws them: [{id, color, size, x1, y1, x2, y2, text}], bottom first. */
    notes: () => model.visible().filter((e) => e.kind === 'note').map(({ id, shape: { color, size, x1, y1, x2, y2, text } }) => ({
      id, color, size, x1, y1, x2, y2, text,
    })),
    /**
     * The images on the board as this page draws them: [{id, x1, y1, x2, y2, mime, bytes, width,
     * height, complete: all bytes here, decoded: the picture (not the placeholder) is drawn}], bottom first.
     */
    images: () => model.visible().filter((e) => e.kind === 'image').map(({ id, shape: { x1, y1, x2, y2, mime, bytes, width, height }, image }) => ({
      id, x1, y1, x2, y2, mime, bytes, width, height, complete: image.bytes !== null, decoded: image.bitmap !== null,
    })),
    /** How many elements this page has selected (the select tool). */
    selected: () => view.selection.length,
    /** The person whose view this page follows (their peer id), or null. */
    following: () => presence.following,
    /** The last view each person sent: {peerId: {level, ox, oy}}. */
    peerViews: () => presence.views(),
    /** This page's view: {level, zoom, ox, oy} (view.js). */
    view: () => ({ level: view.view.level, zoom: view.view.zoom, ox: view.view.ox, oy: view.view.oy }),
    /** Moves this page's view, e.g. `setView({level: 0, ox: 0, oy: 0})`: the default view. */
    setView: (next) => view.view.set(next ?? {}),
  });
  const joinRoom = async () => {
    try {
      await refreshIceServers();
      await signaling.join(roomId);
      joined = true;
      status('Online', 'open');
    } catch (e) {
      const message = e.code === 'room_full'
        ? `This room is full (at most ${config.maxRoomSize ?? 16} people). Start a new one at /.`
        : `Could not join the room: ${e.message}`;
      notice(message);
    }
  };
  if (locked) {
    // Nothing to say to the room: it could not be authenticated.
  } else if (online) {
    await joinRoom();
  } else {
    connectWhenOnline(signaling).then((later) => {
      becomeUser(later);
      return joinRoom();
    });
  }

}

const SAVED_LABELS = {
  loading: 'loading…',
  saving: 'saving…',
  saved: 'saved',
  offline: 'offline: saved on this device',
  full: 'storage full',
  refused: 'not saved',
  deleted: 'deleted from the server',
};

function showSaved(state) {
  const element = $('#saved');
  element.hidden = false;
  element.dataset.state = state;
  element.textContent = SAVED_LABELS[state] ?? state;
  element.title = `Where this board is kept: ${element.textContent}`; // the whole text, when cut short
  if (state === 'full') {
    $('#notice').textContent = 'Storage for this board is full. What you draw now is kept on this device and '
      + 'reaches the people online, but the server stores no more of it. To keep the picture, export it '
      + '(Save as PNG); to keep drawing with everything saved, start a new board: ';
    const a = document.createElement('a');
    a.href = '/';
    a.textContent = 'Start a new board';
    $('#notice').append(a);
    $('#notice').hidden = false;
  }
}

function setUpDelete(store) {
  const button = $('#delete-board');
  button.hidden = false;
  button.addEventListener('click', async () => {
    if (!confirm('Delete this board from the server and from this device? People who have it open keep what they see.')) return;
    button.disabled = true;
    try {
      await store.deleteBoard();
      $('#notice').textContent = 'This board was deleted from the server and from this device.';
    } catch (e) {
      $('#notice').textContent = `The board could not be deleted: ${e.message}`;
      button.disabled = false;
    }
    $('#notice').hidden = false;
  });
}

/** Keeps trying to reach the server (after an offline start) and resolves with our user. */
async function connectWhenOnline(signaling) {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 15_000)) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, delay);
      window.addEventListener('online', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
    const user = await signaling.connect().catch(() => null);
    if (user) return user;
  }
}

function registerServiceWorker() {
  // Serves the app itself when the network is gone (sw.js).
  navigator.serviceWorker?.register('/sw.js').catch((e) => console.warn('service worker', e));
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
