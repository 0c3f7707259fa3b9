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
import java.util.Optional;
import java.util.UUID;
import java.util.stream.LongStream;
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
        get(there.subscribe(peer, messagesInto(received)));

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
        get(there.subscribe(peer, messagesInto(received)));

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
        get(there.subscribe(peer, messagesInto(received)));
        Message late = new Message("late", "{\"n\":2}");
        get(here.deliver(peer, late));

        awaitExactly(received, List.of(late));
    }

    @Test
    void subscribing_again_replaces_the_handler() {
        String peer = peerId();
        List<Message> first = new CopyOnWriteArrayList<>();
        List<Message> second = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, messagesInto(first)));
        get(there.subscribe(peer, messagesInto(second)));

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
        Consumer<Delivery> handler = messagesInto(received);
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
        Subscription subscription = get(there.subscribe(peer, messagesInto(closedOne)));
        Message before = new Message("before", "1");
        get(here.deliver(peer, before));
        awaitExactly(closedOne, List.of(before));

        get(subscription.close());
        get(here.deliver(peer, new Message("dropped", "2")));

        // Messages to one peer from one node keep their order: once a later message reached a new
        // subscription, the dropped one can no longer turn up.
        List<Message> newOne = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, messagesInto(newOne)));
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
        get(there.subscribe(alice, messagesInto(toAlice)));
        get(here.subscribe(bob, messagesInto(toBob)));

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
        get(there.subscribe(peer, messagesInto(received)));

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
            subscriptions.add(there.subscribe(id, messagesInto(inbox)));
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

    // History and resume.

    @Test
    void delivered_messages_are_numbered_one_by_one_in_one_epoch_as_the_subscription_receives_them() {
        String peer = peerId();
        List<Delivery.Event> received = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, eventsInto(received)));

        List<Message> sent = messages("note", 20);
        sent.forEach(message -> get(here.deliver(peer, message)));

        quickly().until(() -> received.size() == sent.size());
        assertThat(received).extracting(Delivery.Event::message).containsExactlyElementsOf(sent);
        assertThat(received).extracting(e -> e.id().epoch()).containsOnly(received.get(0).id().epoch());
        assertThat(received).extracting(e -> e.id().n()).containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
    }

    @Test
    void an_attach_after_an_id_replays_every_later_event_in_order_from_any_node_even_those_delivered_without_a_subscription() {
        String peer = peerId();
        List<Delivery.Event> first = new CopyOnWriteArrayList<>();
        Subscription stream = get(there.subscribe(peer, eventsInto(first)));
        Attachment opened = get(there.attach(peer, "stream-1", Optional.empty()));
        get(here.deliver(peer, new Message("seen", "1")));
        quickly().until(() -> first.size() == 1);
        EventId lastSeen = first.get(0).id();

        List<Message> missed = messages("missed", 10); // the stream dropped: nobody subscribed
        get(stream.close());
        missed.forEach(message -> get(here.deliver(peer, message)));

        Attachment resumed = get(here.attach(peer, "stream-2", Optional.of(lastSeen)));

        assertThat(resumed.turn()).isGreaterThan(opened.turn());
        assertThat(resumed.at()).isEqualTo(new EventId(lastSeen.epoch(), lastSeen.n() + 10));
        assertThat(resumed.resume()).isInstanceOf(Attachment.Resume.Replay.class);
        List<Delivery.Event> replayed = ((Attachment.Resume.Replay) resumed.resume()).events();
        assertThat(replayed).extracting(Delivery.Event::message).containsExactlyElementsOf(missed);
        assertThat(replayed).extracting(e -> e.id().n())
                .containsExactlyElementsOf(LongStream.rangeClosed(lastSeen.n() + 1, lastSeen.n() + 10).boxed().toList());
    }

    @Test
    void an_attach_after_the_last_event_replays_nothing_and_a_first_attach_makes_an_empty_history() {
        String peer = peerId();
        Attachment first = get(here.attach(peer, "stream-1", Optional.empty()));
        assertThat(first.at().n()).isZero();
        assertThat(first.resume()).isEqualTo(new Attachment.Resume.Replay(List.of()));

        Attachment again = get(there.attach(peer, "stream-2", Optional.of(first.at())));

        assertThat(again.at()).isEqualTo(first.at());
        assertThat(again.resume()).isEqualTo(new Attachment.Resume.Replay(List.of()));
    }

    @Test
    void a_subscription_made_before_an_attach_gets_the_takeover_after_every_event_up_to_the_cut_and_every_later_event_after_it() {
        String peer = peerId();
        List<Delivery> received = new CopyOnWriteArrayList<>();
        get(there.subscribe(peer, received::add));
        get(here.deliver(peer, new Message("before", "1")));

        Attachment attachment = get(there.attach(peer, "newer", Optional.empty()));
        get(here.deliver(peer, new Message("after", "2")));

        quickly().until(() -> received.size() == 3);
        assertThat(received.get(0)).isInstanceOf(Delivery.Event.class);
        assertThat(((Delivery.Event) received.get(0)).id()).isEqualTo(attachment.at());
        assertThat(received.get(1)).isEqualTo(new Delivery.Takeover(attachment.at().epoch(), attachment.turn(), "newer"));
        assertThat(((Delivery.Event) received.get(2)).id().n()).isEqualTo(attachment.at().n() + 1);
    }

    @Test
    void an_id_whose_successors_were_trimmed_answers_a_gap_never_a_part_of_them() {
        String peer = peerId();
        Attachment start = get(here.attach(peer, "stream-1", Optional.empty()));
        // Past the count bound of the implementation under test.
        for (int i = 0; i < historyLimit() + 5; i++) {
            get(here.deliver(peer, new Message("filler", Integer.toString(i))));
        }

        Attachment resumed = get(there.attach(peer, "stream-2", Optional.of(start.at())));

        assertThat(resumed.resume()).isEqualTo(new Attachment.Resume.Gap("trimmed"));
        assertThat(resumed.at().n()).isEqualTo(historyLimit() + 5);
    }

    @Test
    void an_id_of_another_epoch_or_from_beyond_the_history_answers_a_gap() {
        String peer = peerId();
        get(here.deliver(peer, new Message("one", "1")));
        Attachment now = get(here.attach(peer, "stream-1", Optional.empty()));

        assertThat(get(there.attach(peer, "stream-2", Optional.of(new EventId("0ther", 1)))).resume())
                .isEqualTo(new Attachment.Resume.Gap("unknown-history"));
        assertThat(get(there.attach(peer, "stream-3", Optional.of(new EventId(now.at().epoch(), 99)))).resume())
                .isEqualTo(new Attachment.Resume.Gap("unknown-history"));
    }

    @Test
    void a_forgotten_history_starts_again_with_a_new_epoch_so_an_old_id_is_recognised() {
        String peer = peerId();
        get(here.deliver(peer, new Message("one", "1")));
        EventId old = get(here.attach(peer, "stream-1", Optional.empty())).at();

        get(there.forget(peer));
        Attachment after = get(here.attach(peer, "stream-2", Optional.of(old)));

        assertThat(after.resume()).isEqualTo(new Attachment.Resume.Gap("unknown-history"));
        assertThat(after.at().epoch()).isNotEqualTo(old.epoch());
        assertThat(after.at().n()).isZero();
    }

    /** The most events the implementation under test keeps per peer. */
    protected abstract int historyLimit();

    /** Awaitility polling fast, for events that take milliseconds. */
    protected static ConditionFactory quickly() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    protected static String peerId() {
        return UUID.randomUUID().toString();
    }

    /** A handler that keeps the messages of the events it receives. */
    protected static Consumer<Delivery> messagesInto(List<Message> messages) {
        return delivery -> {
            if (delivery instanceof Delivery.Event event) {
                messages.add(event.message());
            }
        };
    }

    protected static Consumer<Delivery> eventsInto(List<Delivery.Event> events) {
        return delivery -> {
            if (delivery instanceof Delivery.Event event) {
                events.add(event);
            }
        };
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
