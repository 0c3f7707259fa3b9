package dev.drawbridge.testing;

import io.vertx.core.json.JsonObject;

/** One event as a browser's EventSource would dispatch it; {@code id} is null when the event had none. */
public record SseEvent(String id, String event, String data) {
    public JsonObject json() {
        return new JsonObject(data);
    }
}
