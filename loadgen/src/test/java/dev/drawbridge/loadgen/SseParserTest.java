package dev.drawbridge.loadgen;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {
    private final List<SseParser.Event> events = new ArrayList<>();
    private final SseParser parser = new SseParser(events::add);

    private static final String STREAM = """
            retry: 2000

            event: connected
            data: {"user":{"id":"a","username":"ada"}}

            event: ping
            data: {}

            id: 1
            event: add-peer
            data: {"peer":{"id":"b","username":"bob"},"roomId":"r","offer":true}

            """;

    @Test
    void aStreamCutAtEveryByteGivesTheSameEventsAsInOnePiece() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            parser.feed(bytes, i, 1);
        }
        List<SseParser.Event> oneByOne = List.copyOf(events);
        events.clear();
        new SseParser(events::add).feed(bytes);

        assertThat(oneByOne).isEqualTo(events).hasSize(3);
        assertThat(events.get(0)).isEqualTo(new SseParser.Event(null, "connected", "{\"user\":{\"id\":\"a\",\"username\":\"ada\"}}"));
        assertThat(events.get(2).numericId()).isEqualTo(1);
        assertThat(events.get(2).event()).isEqualTo("add-peer");
    }

    @Test
    void anIdOfEpochAndNumberNumbersTheEventByItsNumber() {
        feed("id: 3fa2c01b7-42\nevent: load\ndata: {}\n\n");

        assertThat(events.get(0).numericId()).isEqualTo(42);
    }

    @Test
    void connectedAndPingCarryNoIdEvenAfterAnEventThatHadOne() {
        feed("id: 7\nevent: load\ndata: {}\n\nevent: ping\ndata: {}\n\n");

        assertThat(events).extracting(SseParser.Event::id).containsExactly("7", null);
        assertThat(events.get(1).numericId()).isEqualTo(-1);
        assertThat(parser.lastEventId()).isEqualTo("7");
    }

    @Test
    void dataLinesOfOneEventAreJoinedByLineFeeds() {
        feed("data: first\ndata:second\ndata\n\n");

        assertThat(events).containsExactly(new SseParser.Event(null, "message", "first\nsecond\n"));
    }

    @Test
    void commentsAreSkippedAndCounted() {
        feed(": hello\n:\nevent: x\n: inside\ndata: 1\n\n");

        assertThat(events).containsExactly(new SseParser.Event(null, "x", "1"));
        assertThat(parser.comments()).isEqualTo(3);
    }

    @Test
    void crlfAndLoneCrEndLinesTooEvenWhenCutBetweenCrAndLf() {
        feed("event: a\r");
        feed("\ndata: 1\r\n\r");
        feed("\nevent: b\rdata: 2\r\r");

        assertThat(events).containsExactly(new SseParser.Event(null, "a", "1"), new SseParser.Event(null, "b", "2"));
    }

    @Test
    void aBlockWithoutDataIsNotDispatched() {
        feed("retry: 10\n\nevent: nothing\n\nid: 3\n\n");

        assertThat(events).isEmpty();
    }

    @Test
    void aUtf8CharacterCutBetweenTwoChunksIsDecodedWhole() {
        byte[] bytes = "data: {\"n\":\"Zoë ✏️\"}\n\n".getBytes(StandardCharsets.UTF_8);
        int cut = "data: {\"n\":\"Zo".length() + 1; // inside the two bytes of ë
        parser.feed(bytes, 0, cut);
        parser.feed(bytes, cut, bytes.length - cut);

        assertThat(events).extracting(SseParser.Event::data).containsExactly("{\"n\":\"Zoë ✏️\"}");
    }

    @Test
    void anEventWithoutItsBlankLineIsNotYetDispatched() {
        feed("id: 1\nevent: load\ndata: {}\n");

        assertThat(events).isEmpty();
        feed("\n");
        assertThat(events).hasSize(1);
    }

    private void feed(String text) {
        parser.feed(text.getBytes(StandardCharsets.UTF_8));
    }
}
