// What opening a saved board waits for, started the moment the page loads (an async module: it
// runs as soon as it and its two imports are in, before the app's other modules have run):
// deriving the room key, asking the server for the first page of the stored board, and opening
// this device's database. main.js takes these over (`takeEarlyStart`) when the link is the one
// they were started for.

import { RoomKey, isRoomKey } from './room-key.js';
import { BoardStore, openDatabase } from './board-store.js';

let early = null;
const fragment = location.hash.slice(1);
if (isRoomKey(fragment)) {
  const roomId = decodeURIComponent(location.pathname.slice(1));
  const key = RoomKey.derive(roomId, fragment);
  early = {
    roomId,
    fragment,
    key,
    // The request needs only the proof: it goes out without waiting for the other keys.
    firstPage: RoomKey.proofOf(roomId, fragment).then((proof) => BoardStore.prefetch(roomId, { proof })),
    database: openDatabase(),
  };
  early.key.then(() => performance.mark('board: key derived early'), () => {});
  early.firstPage.catch(() => {});
  early.database.catch(() => {});
}

/** The early start for room `roomId` with key `fragment`, once; null when there is none. */
export function takeEarlyStart(roomId, fragment) {
  const taken = early;
  early = null;
  return taken && taken.roomId === roomId && taken.fragment === fragment ? taken : null;
}
