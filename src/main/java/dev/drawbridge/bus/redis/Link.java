package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusUnavailableException;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One long-lived Redis connection that comes back by itself. While it is down every command fails
 * at once with {@link BusUnavailableException}; in the background it reconnects with a doubling
 * delay, names itself ({@code CLIENT SETNAME}, so operators and tests can count a node's
 * connections) and tells its owner through {@code onUp}, which restores whatever state the
 * connection carried (subscriptions).
 *
 * <p>The connection lives on the event loop of the context it is given: commands sent from that
 * loop are written at once, from any other thread they are handed over to it.
 *
 * <p>Thread-safe: commands may be sent from any thread; those sent from one thread are written in
 * that order, which is what keeps {@code deliver} ordered per caller.
 */
final class Link implements LaneCommands {
    private static final Logger log = LoggerFactory.getLogger(Link.class);

    private final Vertx vertx;
    private final Context context;
    private final Redis client;
    private final String name;
    private final RedisSettings settings;
    private final BiConsumer<RedisConnection, Response> onPush;
    private final Consumer<RedisConnection> onUp;
    private final Runnable onDown;
    private final List<Request> setup;

    private final EventLoop loop;
    // The reads of the current turn of this link's event loop; touched on that loop only.
    private List<Request> turnReads;
    private List<TurnReader> turnReaders;

    private volatile RedisConnection connection;
    // Commands waiting for their answer, oldest first. One periodic sweep fails those past their
    // deadline: a timer per command costs more than the command on a busy node.
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private long sweepTimer = -1;
    private long retryDelayMs;
    private boolean retryScheduled;
    private boolean closed;

    Link(Vertx vertx, Context context, Redis client, String name, RedisSettings settings,
         BiConsumer<RedisConnection, Response> onPush, Consumer<RedisConnection> onUp, Runnable onDown) {
        this(vertx, context, client, name, settings, onPush, onUp, onDown, List.of());
    }

    /**
     * A link that sends {@code setup} on every new connection before any other command: the
     * scripts whose order matters ({@code deliver}) are then known to Redis when the first command
     * runs them by their SHA-1, so that no {@code NOSCRIPT} retry can let a later delivery overtake
     * an earlier one (only an operator's {@code SCRIPT FLUSH} on a live connection still could).
     */
    Link(Vertx vertx, Context context, Redis client, String name, RedisSettings settings,
         BiConsumer<RedisConnection, Response> onPush, Consumer<RedisConnection> onUp, Runnable onDown,
         List<Request> setup) {
        this.vertx = vertx;
        this.context = context;
        this.loop = ((ContextInternal) context).nettyEventLoop();
        this.client = client;
        this.name = name;
        this.settings = settings;
        this.onPush = onPush;
        this.onUp = onUp;
        this.onDown = onDown;
        this.setup = List.copyOf(setup);
        this.retryDelayMs = settings.reconnectMin().toMillis();
    }

    /** A command sent, and when it is due. */
    private record Pending(long deadline, Promise<Response> answer) {}

    /** One caller of {@link #readTogether}: its reads are {@code count} of the turn's, from {@code from}. */
    private record TurnReader(int from, int count, Promise<List<Response>> answers) {}

    /** The first connection. Fails when Redis cannot be reached, and then does not retry. */
    private Future<Void> startOnce() {
        long period = Math.max(10, settings.commandTimeout().toMillis() / 10);
        sweepTimer = vertx.setPeriodic(period, timer -> failOverdue());
        return attempt().recover(t -> Future.failedFuture(unavailable("cannot connect " + name, t)));
    }

    @Override
    public Future<Void> start() {
        return startOnce();
    }

    @Override
    public boolean isUp() {
        return connection != null;
    }

    @Override
    public Future<Void> ping() {
        return send(Request.cmd(Command.PING)).mapEmpty();
    }

    /**
     * The first connection, retried in the background when it fails (a link to a node found
     * later, whose failure at start says nothing of the rest). The future tells the first attempt.
     */
    Future<Void> open() {
        return startOnce().onFailure(t -> scheduleRetry());
    }

    /**
     * Ends the current connection as if it had dropped (it reconnects, and its owner restores its
     * state): for a connection whose state is no longer known.
     */
    void drop(String why) {
        RedisConnection c = connection;
        if (c != null) {
            log.info("Redis {}: {}; reconnecting", name, why);
            c.close();
        }
    }

    /**
     * {@code ASKING} and the command in one write, for a command redirected with {@code ASK}
     * (a slot being migrated to this node); fails as {@link #sendRaw} does.
     */
    Future<Response> sendAsking(Request request) {
        RedisConnection c = connection;
        if (c == null) {
            return Future.failedFuture(unavailable(name + " connection is down", null));
        }
        Promise<Response> answer = dueInTime();
        c.batch(List.of(Request.cmd(Command.ASKING), request))
                .onComplete(r -> answer.tryComplete(r.get(1)), answer::tryFail);
        return answer.future();
    }

    @Override
    public Future<Response> send(Request request) {
        return sendRaw(request).recover(t -> Future.failedFuture(unavailable(name + ": " + t.getMessage(), t)));
    }

    @Override
    public Future<Response> sendRaw(Request request) {
        RedisConnection c = connection;
        if (c == null) {
            return Future.failedFuture(unavailable(name + " connection is down", null));
        }
        Promise<Response> answer = dueInTime();
        c.send(request).onComplete(answer::tryComplete, answer::tryFail);
        return answer.future();
    }

    /** A promise that the sweep fails once the command timeout has passed. */
    private Promise<Response> dueInTime() {
        Promise<Response> answer = Promise.promise();
        pending.add(new Pending(System.nanoTime() + settings.commandTimeout().toNanos(), answer));
        return answer;
    }

    /** Sends commands in one write, answered together; fails as a whole when any of them fails. */
    private Future<List<Response>> batch(List<Request> requests) {
        RedisConnection c = connection;
        if (c == null) {
            return Future.failedFuture(unavailable(name + " connection is down", null));
        }
        Promise<List<Response>> answers = Promise.promise();
        // The sweep fails the batch through due when its answers are overdue.
        Promise<Response> due = dueInTime();
        due.future().onFailure(answers::tryFail);
        c.batch(requests).onComplete(done -> {
            due.tryComplete();
            if (done.succeeded()) {
                answers.tryComplete(done.result());
            } else {
                answers.tryFail(done.cause());
            }
        });
        return answers.future().recover(t -> Future.failedFuture(unavailable(name + ": " + t.getMessage(), t)));
    }

    @Override
    public Future<List<Response>> readTogether(List<Request> reads) {
        if (!loop.inEventLoop()) {
            return batch(reads);
        }
        if (turnReads == null) {
            // Netty runs tasks after the input that is ready: every read sent while that input is
            // handled goes out with this one.
            try {
                loop.execute(this::sendTurnReads);
            } catch (RejectedExecutionException e) {
                return Future.failedFuture(unavailable(name + ": event loop shut down", e));
            }
            turnReads = new ArrayList<>();
            turnReaders = new ArrayList<>();
        }
        Promise<List<Response>> answers = Promise.promise();
        turnReaders.add(new TurnReader(turnReads.size(), reads.size(), answers));
        turnReads.addAll(reads);
        return answers.future();
    }

    private void sendTurnReads() {
        List<Request> reads = turnReads;
        List<TurnReader> readers = turnReaders;
        turnReads = null;
        turnReaders = null;
        batch(reads).onComplete(done -> {
            for (TurnReader reader : readers) {
                if (done.succeeded()) {
                    reader.answers().complete(done.result().subList(reader.from(), reader.from() + reader.count()));
                } else {
                    reader.answers().fail(done.cause());
                }
            }
        });
    }

    /** Fails the commands whose answer is overdue, and forgets the answered ones at the head. */
    private void failOverdue() {
        long now = System.nanoTime();
        for (Pending head = pending.peek(); head != null; head = pending.peek()) {
            if (head.answer().future().isComplete()) {
                pending.poll();
            } else if (now - head.deadline() >= 0) {
                pending.poll();
                head.answer().tryFail(new TimeoutException(
                        "no answer within " + settings.commandTimeout().toMillis() + " ms"));
            } else {
                return;
            }
        }
    }

    @Override
    public Future<Void> close() {
        vertx.cancelTimer(sweepTimer);
        for (Pending left = pending.poll(); left != null; left = pending.poll()) {
            left.answer().tryFail(unavailable(name + " closed", null));
        }
        RedisConnection c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
        }
        return c == null ? Future.succeededFuture() : c.close().otherwiseEmpty();
    }

    static BusUnavailableException unavailable(String message, Throwable cause) {
        if (cause instanceof BusUnavailableException already) {
            return already;
        }
        return new BusUnavailableException("Redis unavailable: " + message, cause);
    }

    /** A new connection, made on this link's context so that it lives on that context's event loop. */
    private Future<RedisConnection> connect() {
        Promise<RedisConnection> connected = Promise.promise();
        context.runOnContext(v -> client.connect().onComplete(connected));
        return connected.future();
    }

    private Future<Void> attempt() {
        return connect().compose(conn -> {
            // Set when this connection ends, even before it is installed, so a connection that died
            // during its setup is never installed.
            AtomicBoolean ended = new AtomicBoolean();
            conn.handler(push -> onPush.accept(conn, push));
            conn.exceptionHandler(t -> lost(conn, ended, t));
            conn.endHandler(v -> lost(conn, ended, null));
            List<Request> first = new ArrayList<>();
            first.add(Request.cmd(Command.CLIENT).arg("SETNAME").arg(name));
            first.addAll(setup);
            return conn.batch(first)
                    .timeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .compose(ok -> install(conn, ended), t -> {
                        conn.close();
                        return Future.failedFuture(t);
                    });
        });
    }

    private Future<Void> install(RedisConnection conn, AtomicBoolean ended) {
        synchronized (this) {
            if (closed || ended.get()) {
                conn.close();
                return Future.failedFuture(closed ? "closed" : "connection ended during setup");
            }
            connection = conn;
            retryDelayMs = settings.reconnectMin().toMillis();
        }
        onUp.accept(conn);
        return Future.succeededFuture();
    }

    private void lost(RedisConnection conn, AtomicBoolean ended, Throwable cause) {
        boolean wasCurrent;
        synchronized (this) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            wasCurrent = connection == conn;
            if (wasCurrent) {
                connection = null;
            }
        }
        conn.close();
        if (wasCurrent) {
            log.warn("Redis {} connection lost{}; reconnecting", name, cause == null ? "" : ": " + cause.getMessage());
            onDown.run();
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        long delay;
        synchronized (this) {
            if (closed || retryScheduled) {
                return;
            }
            retryScheduled = true;
            delay = retryDelayMs;
            retryDelayMs = Math.min(retryDelayMs * 2, settings.reconnectMax().toMillis());
        }
        vertx.setTimer(delay, id -> {
            synchronized (this) {
                retryScheduled = false;
            }
            attempt().onSuccess(v -> log.info("Redis {} connection restored", name))
                    .onFailure(t -> {
                        log.debug("Redis {} reconnect failed: {}", name, t.getMessage());
                        scheduleRetry();
                    });
        });
    }
}
