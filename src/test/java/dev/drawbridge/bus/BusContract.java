package dev.drawbridge.bus;

import dev.drawbridge.bus.Bus.Subscription;
import io.vertx.core.Future;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract of {@link Bus}, run against every implementation. An implementation provides two
 * nodes of one cluster; an in-process bus, which has no other node, is both.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class BusContract {

    /** Two nodes sharing one transport. */
    public record Nodes(Bus here, Bus there) {}

    protected abstract Nodes startNodes() throws Exception;

    protected abstract void stopNodes() throws Exception;

    protected Bus here;
    protected Bus there;

    @BeforeEach
    void startBus() throws Exception {
        Nodes nodes = startNodes();
        here = nodes.here();
        there = nodes.there();
    }

    @AfterEach
    void stopBus() throws Exception {
        stopNodes();
    }

    @Test
    void a_completed_subscription_receives_every_message_delivered_after_it() {
        String peer = peerId();
        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, received::add));

        List<Message> sent = messages("hello", 100);
        for (Message message : sent) {
            get(here.deliver(peer, message));
        }

        awaitExactly(received, sent);
    }

    @Test
    void messages_one_node_delivers_to_a_peer_arrive_in_the_order_they_were_delivered() {
        String peer = peerId();
        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, received::add));

        List<Message> sent = messages("ice-candidate", 1_000);
        List<Future<Void>> deliveries = new ArrayList<>();
        for (Message message : sent) {
            deliveries.add(here.deliver(peer, message)); // not waiting in between: order is the calls'
        }
        get(Future.all(deliveries));

        awaitExactly(received, sent);
    }

    @Test
    void a_message_to_a_peer_without_a_subscription_is_dropped_not_kept_for_later() {
        String peer = peerId();
        get(here.deliver(peer, new Message("early", "{\"n\":1}")));

        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, received::add));
        Message late = new Message("late", "{\"n\":2}");
        get(here.deliver(peer, late));

        awaitExactly(received, List.of(late));
    }

    @Test
    void subscribing_again_replaces_the_handler() {
        String peer = peerId();
        List<Message> first = new CopyOnWriteArrayList<>();
        List<Message> second = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, first::add));
        get(there.subscribe(peer, second::add));

        List<Message> sent = messages("offer", 3);
        for (Message message : sent) {
            get(here.deliver(peer, message));
        }

        awaitExactly(second, sent);
        assertThat(first).isEmpty();
    }

    @Test
    void closing_a_replaced_subscription_leaves_the_newer_one_in_place_even_with_the_same_handler() {
        String peer = peerId();
        List<Message> received = new CopyOnWriteArrayList<>();
        Consumer<Message> handler = received::add;
        Subscription replaced = get(there.subscribe(peer, handler));
        get(there.subscribe(peer, handler));

        get(replaced.close());
        Message message = new Message("answer", "{}");
        get(here.deliver(peer, message));

        awaitExactly(received, List.of(message));
    }

    @Test
    void a_closed_subscription_receives_nothing_more() {
        String peer = peerId();
        List<Message> closedOne = new CopyOnWriteArrayList<>();
        Subscription subscription = get(there.subscribe(peer, closedOne::add));
        Message before = new Message("before", "1");
        get(here.deliver(peer, before));
        awaitExactly(closedOne, List.of(before));

        get(subscription.close());
        get(here.deliver(peer, new Message("dropped", "2")));

        // Messages to one peer from one node keep their order: once a later message reached a new
        // subscription, the dropped one can no longer turn up.
        List<Message> newOne = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, newOne::add));
        Message after = new Message("after", "3");
        get(here.deliver(peer, after));

        awaitExactly(newOne, List.of(after));
        assertThat(closedOne).containsExactly(before);
    }

    @Test
    void messages_reach_only_the_peer_they_are_for() {
        String alice = peerId();
        String bob = peerId();
        List<Message> toAlice = new CopyOnWriteArrayList<>();
        List<Message> toBob = new CopyOnWriteArrayList<>();
        get(there.subscribe(alice, toAlice::add));
        get(here.subscribe(bob, toBob::add));

        Message forAlice = new Message("for-alice", "\"a\"");
        Message forBob = new Message("for-bob", "\"b\"");
        get(here.deliver(alice, forAlice));
        get(there.deliver(bob, forBob));

        awaitExactly(toAlice, List.of(forAlice));
        awaitExactly(toBob, List.of(forBob));
    }

    @Test
    void event_names_and_data_travel_unchanged() {
        String peer = peerId();
        List<Message> received = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, received::add));

        List<Message> sent = List.of(
                new Message("add-peer", "{\"peer\":{\"id\":\"x\",\"username\":\"Zoë 🎨 \\\"quoted\\\"\"},\"offer\":true}"),
                new Message("ping", ""),
                new Message("session-description", "{\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"}"),
                new Message("big", "\"" + "x".repeat(64 * 1024) + "\""));
        for (Message message : sent) {
            get(here.deliver(peer, message));
        }

        awaitExactly(received, sent);
    }

    @Test
    void many_peers_subscribed_on_one_node_each_receive_their_own_messages() {
        int peers = 200;
        List<String> ids = new ArrayList<>();
        List<List<Message>> inboxes = new ArrayList<>();
        List<Future<Subscription>> subscriptions = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            String id = peerId();
            List<Message> inbox = new CopyOnWriteArrayList<>();
            ids.add(id);
            inboxes.add(inbox);
            subscriptions.add(there.subscribe(id, inbox::add));
        }
        get(Future.all(subscriptions));

        List<Future<Void>> deliveries = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            deliveries.add(here.deliver(ids.get(i), new Message("relay", Integer.toString(i))));
        }
        get(Future.all(deliveries));

        quickly().until(() -> inboxes.stream().allMatch(inbox -> !inbox.isEmpty()));
        for (int i = 0; i < peers; i++) {
            assertThat(inboxes.get(i)).containsExactly(new Message("relay", Integer.toString(i)));
        }
    }

    /** Awaitility polling fast, for events that take milliseconds. */
    protected static ConditionFactory quickly() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    protected static String peerId() {
        return UUID.randomUUID().toString();
    }

    protected static List<Message> messages(String event, int count) {
        List<Message> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            messages.add(new Message(event, "{\"seq\":" + i + "}"));
        }
        return messages;
    }

    /** Waits until {@code received} holds {@code expected}, and then checks nothing more came along. */
    protected static void awaitExactly(List<Message> received, List<Message> expected) {
        quickly().until(() -> received.size() >= expected.size());
        assertThat(received).containsExactlyElementsOf(expected);
    }
}
