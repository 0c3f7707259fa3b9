// A socket.io 4 signaling server for scripts/compare: the least a room-based relay needs, written
// as socket.io's documentation shows it. A client connects with {username} in its CONNECT packet;
// "join"(room) and "leave"(room) change its rooms; "relay"(to, event, data) emits
// {peer: {id, username}, data} as <event> to the socket `to`; each is acknowledged with 200.
// Per relay the server checks only that the sender is connected: no token, no shared-room check
// (with the Redis adapter that would need a round trip to the other nodes).
//   node socketio.js <port> [redis://127.0.0.1:<port>]
"use strict";
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
const redisUrl = process.argv[3];

async function main() {
  const io = new Server({ transports: ["websocket"], serveClient: false, maxHttpBufferSize: 65536 });
  if (redisUrl) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
  }
  io.use((socket, next) => {
    const username = socket.handshake.auth && socket.handshake.auth.username;
    if (typeof username !== "string" || username.length < 1 || username.length > 64) {
      return next(new Error("invalid_username"));
    }
    socket.data.user = { id: socket.id, username };
    next();
  });
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(String(room));
      if (typeof ack === "function") ack(200);
    });
    socket.on("leave", (room, ack) => {
      socket.leave(String(room));
      if (typeof ack === "function") ack(200);
    });
    socket.on("relay", (to, event, data, ack) => {
      socket.to(String(to)).emit(String(event), { peer: socket.data.user, data });
      if (typeof ack === "function") ack(200);
    });
  });
  const http = require("node:http").createServer();
  io.attach(http);
  await new Promise((resolve) => http.listen(port, "127.0.0.1", resolve));
  console.log(`socket.io ${require("socket.io/package.json").version} on 127.0.0.1:${port}`
    + (redisUrl ? ` with @socket.io/redis-adapter ${require("@socket.io/redis-adapter/package.json").version}` : ", in-memory adapter"));
}

main().catch((e) => { console.error(e); process.exit(1); });
