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
 */
final class Liveness {
    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    private static final List<String> LIVENESS_KEYS = List.of(Keys.LEASES, Keys.CLAIMS, Keys.CLOCK);

    private final Vertx vertx;
    private final Commands commands;
    private final String leaseId;
    private final RedisSettings settings;
    private final RedisRooms rooms;
    private final Runnable onLeaseLost;

    private final AtomicBoolean beating = new AtomicBoolean();
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
        return Script.HEARTBEAT.run(commands, LIVENESS_KEYS, leaseArgs()).map(r -> {
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
            beat();
        }
    }

    private void beat() {
        if (stopped || !beating.compareAndSet(false, true)) {
            return;
        }
        Script.HEARTBEAT.run(commands, LIVENESS_KEYS, leaseArgs())
                .onSuccess(reply -> renewed(reply.toInteger()))
                .onFailure(t -> log.debug("heartbeat failed: {}", t.getMessage()))
                .onComplete(r -> beating.set(false));
    }

    private void renewed(int outcome) {
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
                rooms.restoreRegistrations()
                        .onFailure(t -> log.warn("registering peers again failed: {}", t.getMessage()));
                try {
                    onLeaseLost.run();
                } catch (RuntimeException e) {
                    log.error("lease-lost listener failed", e);
                }
            }
            default -> claimed = false;
        }
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
