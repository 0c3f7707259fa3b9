package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.HashMap;
import java.util.Map;

/**
 * The answers one peer awaits on its socket, by number: registered by whichever thread sends,
 * completed on the socket's event loop. No timer per message: the run's deadline bounds them all.
 */
final class Acks {
    private final Map<Integer, Promise<Integer>> waiting = new HashMap<>();
    private int next;

    /** A fresh number and the future that {@link #answer} completes for it. */
    synchronized int register(Promise<Integer> answer) {
        int n = ++next;
        waiting.put(n, answer);
        return n;
    }

    /** Completes the number's future with the status; false when nothing awaited that number. */
    boolean answer(int number, int status) {
        Promise<Integer> answer;
        synchronized (this) {
            answer = waiting.remove(number);
        }
        return answer != null && answer.tryComplete(status);
    }

    /** Fails every future still waiting (the socket closed). */
    void failAll(Throwable cause) {
        Map<Integer, Promise<Integer>> left;
        synchronized (this) {
            left = Map.copyOf(waiting);
            waiting.clear();
        }
        left.values().forEach(p -> p.tryFail(cause));
    }

    /** Sends through {@code send} with a fresh number; the future is the answer to that number. */
    Future<Integer> send(java.util.function.IntFunction<Future<Void>> send) {
        Promise<Integer> answer = Promise.promise();
        int n = register(answer);
        send.apply(n).onFailure(failure -> {
            synchronized (this) {
                waiting.remove(n);
            }
            answer.tryFail(failure);
        });
        return answer.future();
    }
}
