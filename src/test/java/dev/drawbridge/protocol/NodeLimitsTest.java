package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.FromAddress;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static dev.drawbridge.protocol.AddressLimitsTest.assertStreamAnswer;
import static dev.drawbridge.testing.FromAddress.metric;
import static org.assertj.core.api.Assertions.assertThat;

/** docs/LIMITS.md: the node's own limits on streams, a cap and a rate, each on a node of its own; every stream from another address. */
class NodeLimitsTest {
    private static final int CAP = 3;
    private static final int RATE = 3;

    @RegisterExtension
    static final TestNode.PerClass capped = TestNode.perClass("--max-streams", Integer.toString(CAP), "--stream-retry", "1s");
    @RegisterExtension
    static final TestNode.PerClass paced = TestNode.perClass("--node-stream-limit", RATE + "/30s");

    private static int addresses;

    /** Requests from a loopback address no other request of this class uses. */
    private static FromAddress fresh(TestNode.PerClass node) {
        addresses++;
        return FromAddress.of(node.baseUrl(), "127.0.2." + addresses);
    }

    @Test
    void streamsUpToTheNodesCapOpenAndTheNextGetsTheStreamAnswerUntilOneCloses() {
        List<FromAddress.Stream> held = new ArrayList<>();
        for (int i = 0; i < CAP; i++) {
            FromAddress client = fresh(capped);
            held.add(client.connect(client.token("p" + i)));
            held.getLast().awaitEvent("connected");
        }
        FromAddress late = fresh(capped);
        String token = late.token("late");

        assertStreamAnswer(late.connect(token), "node_streams", 1_000);
        assertThat(metric(capped.baseUrl(), "drawbridge_limited_total{limit=\"node_streams\"}")).isEqualTo(1);

        held.getFirst().close();
        FromAddress.Stream[] opened = new FromAddress.Stream[1];
        Client.await("a stream once one of the node's closed").until(() -> {
            FromAddress.Stream attempt = late.connect(token);
            if (attempt.awaitFirstEvent().event().equals("connected")) {
                opened[0] = attempt;
                return true;
            }
            attempt.close();
            return false;
        });
        opened[0].close();
        held.forEach(FromAddress.Stream::close);
    }

    @Test
    void newStreamsUnderTheNodesRateOpenAndTheNextGetsTheStreamAnswerWhicheverAddressItComesFrom() {
        for (int i = 0; i < RATE; i++) {
            FromAddress client = fresh(paced);
            try (FromAddress.Stream stream = client.connect(client.token("p" + i))) {
                stream.awaitEvent("connected");
            }
        }
        FromAddress another = fresh(paced);

        assertStreamAnswer(another.connect(another.token("over")), "node_stream_rate", 1_000);
        assertThat(metric(paced.baseUrl(), "drawbridge_limited_total{limit=\"node_stream_rate\"}")).isEqualTo(1);
        assertThat(metric(paced.baseUrl(), "drawbridge_limited_total{limit=\"stream\"}")).isZero();
    }
}
