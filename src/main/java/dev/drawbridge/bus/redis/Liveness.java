package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's lease, and the reaping of the nodes whose lease lapsed.
 *
 * <p>A lease is a deadline on Redis' own clock, renewed by every heartbeat. Every node looks for
 * lapsed leases; the claim script moves a lapsed node to the claims atomically, so exactly one
 * survivor reaps it, and never the node itself. A node is never claimed while its deadline lies
 * ahead, and while it is claimed its heartbeat does not renew, so a lease and a reaper never
 * coexist. A node that was reaped while alive (it could not reach Redis for a whole lease, or
 * Redis lost its data) learns it from its next heartbeat: it registers its peers again and tells
 * {@code onLeaseLost}, since their rooms are gone.
 *
 * <p>Recovery: from the loss of a command connection (Redis may have restarted empty) until a
 * heartbeat sent after that loss has renewed the lease, and, when Redis had forgotten it, the peers
 * are registered again, this node is {@link #recovering}: what Redis says of rooms meanwhile may be
 * a forgotten state, so joins, leaves and relays answer "unavailable" rather than "no such peer".
 * A node that finds its lease gone without losing a connection (Redis flushed) is recovering too,
 * from then on.
 */
final class Liveness {
    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    private static final List<String> LIVENESS_KEYS = List.of(Keys.LEASES, Keys.CLAIMS, Keys.CLOCK);
    private static final long RECOVERY_RETRY_MILLIS = 200;

    private final Vertx vertx;
    private final Commands commands;
    private final String leaseId;
    private final RedisSettings settings;
    private final RedisRooms rooms;
    private final Runnable onLeaseLost;

    private final AtomicBoolean beating = new AtomicBoolean();
    // Losses of a command connection (or of the lease) so far, and how many of them a heartbeat sent
    // after them has since confirmed harmless or repaired.
    private final AtomicLong losses = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    private volatile boolean restorePending;
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    private final AtomicBoolean reaping = new AtomicBoolean();
    private volatile boolean started;
    private volatile boolean stopped;
    private volatile boolean claimed;
    // No reaping before this (System.nanoTime()): after our own reconnect the others need a lease
    // period to reconnect and renew, or the first node back would reap them all.
    private volatile long reapNotBefore = System.nanoTime();
    private long heartbeatTimer = -1;
    private long reapTimer = -1;

    Liveness(Vertx vertx, Commands commands, String leaseId, RedisSettings settings, RedisRooms rooms, Runnable onLeaseLost) {
        this.vertx = vertx;
        this.commands = commands;
        this.leaseId = leaseId;
        this.settings = settings;
        this.rooms = rooms;
        this.onLeaseLost = onLeaseLost;
    }

    /** Takes the first lease (so that peers registered from now on can be reaped), then starts the timers. */
    Future<Void> start() {
        long seen = losses.get();
        return Script.HEARTBEAT.run(commands, LIVENESS_KEYS, leaseArgs()).map(r -> {
            confirm(seen);
            synchronized (this) {
                if (!stopped) {
                    started = true;
                    heartbeatTimer = vertx.setPeriodic(settings.heartbeatInterval().toMillis(), id -> beat());
                    reapTimer = vertx.setPeriodic(settings.reapInterval().toMillis(), id -> reap());
                }
            }
            return null;
        });
    }

    synchronized void stop() {
        stopped = true;
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        if (reapTimer >= 0) {
            vertx.cancelTimer(reapTimer);
        }
    }

    /** The command connection came back: renew at once rather than at the next tick. */
    void reconnected() {
        reapNotBefore = System.nanoTime() + settings.leaseTtl().toNanos();
        if (started && !stopped) {
            // Not held up by a heartbeat sent before the loss, whose answer may never come.
            beat(true);
        }
    }

    /** A command connection was lost: Redis may come back without our state. */
    void connectionLost() {
        losses.incrementAndGet();
    }

    /**
     * Whether this node may be looking at a Redis that forgot its state and has not restored it yet
     * (see the class comment).
     */
    boolean recovering() {
        return started && (restorePending || confirmed.get() < losses.get());
    }

    /**
     * Whether this node's lease is in Redis now: asked before answering that a peer or a room is not
     * there, which an emptied Redis also says. Gone: the node is recovering from now on, and renews
     * at once.
     */
    Future<Boolean> leaseHeld() {
        return commands.send(Request.cmd(Command.ZSCORE).arg(Keys.LEASES).arg(leaseId)).map(score -> {
            if (score != null) {
                return true;
            }
            losses.incrementAndGet();
            beat(true);
            return false;
        });
    }

    private void beat() {
        beat(false);
    }

    private void beat(boolean recovery) {
        if (stopped) {
            return;
        }
        boolean guarded = beating.compareAndSet(false, true);
        if (!guarded && !recovery) {
            return;
        }
        long seen = losses.get();
        Script.HEARTBEAT.run(commands, LIVENESS_KEYS, leaseArgs())
                .onSuccess(reply -> renewed(reply.toInteger(), seen))
                .onFailure(t -> log.debug("heartbeat failed: {}", t.getMessage()))
                .onComplete(r -> {
                    if (guarded) {
                        beating.set(false);
                    }
                    retrySoonWhileRecovering();
                });
    }

    /** While recovering, the next heartbeat comes in a fifth of a second rather than at the next tick. */
    private void retrySoonWhileRecovering() {
        if (recovering() && !stopped && retryScheduled.compareAndSet(false, true)) {
            vertx.setTimer(RECOVERY_RETRY_MILLIS, id -> {
                retryScheduled.set(false);
                if (recovering()) {
                    beat(true);
                }
            });
        }
    }

    private void renewed(int outcome, long seen) {
        switch (outcome) {
            case 0 -> {
                if (!claimed) {
                    claimed = true;
                    log.error("node {} is being reaped by a survivor although it is alive (its lease lapsed)", leaseId);
                }
            }
            case 2 -> {
                claimed = false;
                log.warn("node {} had lost its lease (reaped, or Redis lost its data): registering its peers again", leaseId);
                restore(seen);
                try {
                    onLeaseLost.run();
                } catch (RuntimeException e) {
                    log.error("lease-lost listener failed", e);
                }
            }
            default -> {
                claimed = false;
                if (restorePending) {
                    restore(seen);
                } else {
                    confirm(seen);
                }
            }
        }
    }

    /** Registers the peers again; the recovery is over once that is done (a failure is retried by the next heartbeat). */
    private void restore(long seen) {
        restorePending = true;
        rooms.restoreRegistrations()
                .onSuccess(v -> {
                    restorePending = false;
                    confirm(seen);
                })
                .onFailure(t -> log.warn("registering peers again failed: {}", t.getMessage()));
    }

    private void confirm(long seen) {
        confirmed.accumulateAndGet(seen, Math::max);
    }

    private void reap() {
        if (stopped || System.nanoTime() - reapNotBefore < 0 || !reaping.compareAndSet(false, true)) {
            return;
        }
        Script.CLAIM.run(commands, LIVENESS_KEYS,
                        List.of(leaseId, Long.toString(settings.claimDuration().toMillis()), pauseMs()))
                .onSuccess(reply -> {
                    // Each claimed node on its own: one waiting out its grace holds up no other claim.
                    for (int i = 0; i < reply.size(); i++) {
                        String dead = reply.get(i).toString();
                        reapNode(dead).onFailure(t -> log.debug("reaping {} failed: {}", dead, t.getMessage()));
                    }
                })
                .onFailure(t -> log.debug("claiming failed: {}", t.getMessage()))
                .onComplete(r -> reaping.set(false));
    }

    /**
     * Reaps a node this one claimed, after the resume grace: its peers' streams ended when it died,
     * and each may resume on another node within the grace, which takes its registration over and
     * spares it. The claim lasts the grace and then {@code claimTtl}.
     */
    private Future<Void> reapNode(String dead) {
        long started = System.nanoTime();
        return afterGrace()
                .compose(v -> stopped ? Future.failedFuture("stopped") : rooms.reap(dead))
                // Done: release the claim. A failure keeps it, and another survivor retries after claimTtl.
                .compose(v -> commands.send(Request.cmd(Command.ZREM).arg(Keys.CLAIMS).arg(dead)))
                .onSuccess(v -> log.info("reaped node {} in {} ms", dead, (System.nanoTime() - started) / 1_000_000))
                .mapEmpty();
    }

    private Future<Void> afterGrace() {
        long grace = settings.resumeGrace().toMillis();
        if (grace <= 0) {
            return Future.succeededFuture();
        }
        Promise<Void> waited = Promise.promise();
        vertx.setTimer(grace, id -> waited.complete());
        return waited.future();
    }

    private List<String> leaseArgs() {
        return List.of(leaseId, Long.toString(settings.leaseTtl().toMillis()), pauseMs());
    }

    /**
     * A silence of Redis' liveness scripts longer than this is a pause (see heartbeat.lua): half a
     * lease, and at least two heartbeats. Shorter pauses cannot lapse a lease renewed on time.
     */
    private String pauseMs() {
        long half = settings.leaseTtl().toMillis() / 2;
        return Long.toString(Math.max(half, 2 * settings.heartbeatInterval().toMillis()));
    }
}
