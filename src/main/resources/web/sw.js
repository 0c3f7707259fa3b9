// The service worker: serves the app itself when the network is gone, so a saved board
// opens offline from this device's copy (board-store.js). Network first, so a deployed
// update is picked up at once; the cache only answers when the network does not.
// Nothing of a board goes through here: storage, signaling and the relay are never cached.

const CACHE = 'drawbridge-app-v9';
// Every room's page is the same document: it is kept once, under this name.
const PAGE = '/__app__';
const SHELL = [
  '/assets/main.js', '/assets/signaling.js', '/assets/mesh.js', '/assets/model.js', '/assets/board-view.js',
  '/assets/presence.js', '/assets/render.js', '/assets/palette.js', '/assets/toolbar.js', '/assets/room-key.js',
  '/assets/board-store.js', '/assets/boot.js', '/assets/tiles.js', '/assets/view.js', '/assets/theme.js', '/assets/help.js',
  '/assets/selection.js', '/assets/files.js', '/assets/sync.js', '/assets/images.js', '/assets/style.css', '/assets/icon.svg', '/config',
];
const ROOM_PAGE = /^\/[A-Za-z0-9_-]{1,64}$/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    await cache.put(PAGE, await fetch(PAGE));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && ROOM_PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(request, PAGE));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

async function networkFirst(request, name) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(name, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(name);
    if (cached) return cached;
    throw e;
  }
}
