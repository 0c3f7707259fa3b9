package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/**
 * A join or a leave, which the room's next member waits on. One that got no answer in time
 * (counted as {@code failed:NoAnswerException}) is sent once more, as a browser's signaling client
 * does after a network failure, so that one lost request cannot stall its room for the whole run.
 * The node answers a repeated join or leave as it did the first, so a retry changes nothing the
 * summary counts but the statuses, where it shows under {@code <phase>-retry}.
 */
final class Membership {
    private Membership() {
    }

    /** Answers the status, or -1 when neither the request nor its retry got one. */
    static Future<Integer> request(Vertx vertx, long waitMillis, Counters counters, String phase,
                                   Supplier<Future<Integer>> send) {
        return LoadGenerator.recorded(counters, phase, within(vertx, waitMillis, send.get()))
                .compose(status -> status != -1 ? Future.succeededFuture(status)
                        : LoadGenerator.recorded(counters, phase + "-retry", within(vertx, waitMillis, send.get())));
    }

    private static Future<Integer> within(Vertx vertx, long waitMillis, Future<Integer> request) {
        Promise<Integer> answered = Promise.promise();
        long timer = vertx.setTimer(waitMillis, id -> answered.tryFail(new NoAnswerException()));
        request.onComplete(done -> {
            vertx.cancelTimer(timer);
            if (done.succeeded()) {
                answered.tryComplete(done.result());
            } else {
                answered.tryFail(done.cause());
            }
        });
        return answered.future();
    }

    /** A request the server did not answer in time. */
    static final class NoAnswerException extends RuntimeException {
        NoAnswerException() {
            super(null, null, false, false);
        }
    }
}
