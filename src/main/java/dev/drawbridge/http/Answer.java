package dev.drawbridge.http;

import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.signal.BroadcastResult;
import dev.drawbridge.signal.Identifiers;
import dev.drawbridge.signal.JoinResult;
import dev.drawbridge.signal.RelayResult;
import dev.drawbridge.store.StoreUnavailableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * What the protocol answers to join, leave, relay and broadcast, whichever transport asked: an HTTP
 * response carries it as its status, {@code Retry-After} and body; a WebSocket acknowledgement as
 * {@code {"ack", "status", "retryAfter", "body"}} (docs/WEBSOCKET.md). One mapping, so that the two
 * transports cannot drift apart.
 *
 * @param retryAfterSeconds the {@code Retry-After} to send, 0 for none
 */
record Answer(int status, JsonObject body, long retryAfterSeconds) {
    private static final JsonObject OK = new JsonObject().put("ok", true);

    static Answer ok(JsonObject body) {
        return new Answer(200, body, 0);
    }

    static Answer error(int status, String code, String message) {
        return new Answer(status, new JsonObject().put("error", code).put("message", message), 0);
    }

    static Answer of(ApiError error) {
        return error(error.status, error.code, error.getMessage());
    }

    /** The answer of a request over a rate limit (docs/LIMITS.md). */
    static Answer rateLimited(String message, long retryAfterSeconds) {
        return new Answer(429, new JsonObject().put("error", "rate_limited").put("message", message), retryAfterSeconds);
    }

    /** The answer to a failed domain call that a client can act on, or null for the server's own failure (500). */
    static Answer ofFailure(Throwable failure) {
        return switch (failure) {
            case ApiError error -> of(error);
            case BusUnavailableException unavailable -> new Answer(503, error(503, "unavailable",
                    "the service cannot reach its message bus; retry shortly").body(), 1);
            case StoreUnavailableException unavailable -> new Answer(503, error(503, "unavailable",
                    "the service cannot reach its board storage; retry shortly").body(), 1);
            default -> null;
        };
    }

    static Answer joined(String roomId, JoinResult result) {
        return switch (result) {
            case JoinResult.Joined joined -> {
                JsonArray peers = new JsonArray();
                joined.others().forEach(p -> peers.add(new JsonObject().put("id", p.id()).put("username", p.username())));
                yield ok(new JsonObject().put("roomId", roomId).put("peers", peers));
            }
            case JoinResult.AlreadyMember already -> ok(new JsonObject().put("roomId", roomId).put("alreadyMember", true));
            case JoinResult.RoomFull full -> error(409, "room_full",
                    "room " + roomId + " already holds " + full.maxSize() + " peers");
            case JoinResult.NotConnected notConnected -> error(409, "not_connected",
                    "open the event stream (GET /connect) or the WebSocket (GET /ws) before joining");
        };
    }

    static Answer left(String roomId, boolean wasMember) {
        return ok(new JsonObject().put("roomId", roomId).put("left", wasMember));
    }

    static Answer relayed(RelayResult result) {
        return switch (result) {
            case ACCEPTED -> ok(OK);
            case UNKNOWN_PEER -> error(404, "unknown_peer", "no such peer in your rooms");
        };
    }

    static Answer broadcast(BroadcastResult result) {
        return switch (result) {
            case BroadcastResult.Sent sent -> ok(new JsonObject().put("ok", true).put("recipients", sent.recipients()));
            case BroadcastResult.NotAMember notAMember -> error(404, "unknown_room", "you are no member of that room");
        };
    }

    /** The checks of a relay's or broadcast's event name and body; throws the {@code 400} answer. */
    static void checkEvent(String event, String body) {
        if (!Identifiers.isRelayEvent(event)) {
            throw new ApiError(400, "invalid_event",
                    "an event name matches [a-z0-9][a-z0-9-]{0,31} and is not one the server sends");
        }
        if (body == null || !JsonText.isValid(body)) {
            throw new ApiError(400, "invalid_json", "the body must be one JSON value");
        }
    }

    static void checkPeerId(String target) {
        if (!Identifiers.isPeerId(target)) {
            throw new ApiError(400, "invalid_peer_id", "a peer id is the UUID of its token");
        }
    }

    static void checkRoomId(String roomId) {
        if (!Identifiers.isRoomId(roomId)) {
            throw new ApiError(400, "invalid_room_id", "a room id matches [A-Za-z0-9_-]{1,64}");
        }
    }

    /** As the HTTP answer. */
    void send(RoutingContext ctx) {
        if (retryAfterSeconds > 0) {
            ctx.response().putHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        Api.json(ctx, status, body);
    }

    /** As a WebSocket acknowledgement of message {@code ack} (negative: of a message that had none). */
    String acknowledgement(long ack) {
        JsonObject frame = ack < 0 ? new JsonObject() : new JsonObject().put("ack", ack);
        frame.put("status", status);
        if (retryAfterSeconds > 0) {
            frame.put("retryAfter", retryAfterSeconds);
        }
        return frame.put("body", body).encode();
    }
}
