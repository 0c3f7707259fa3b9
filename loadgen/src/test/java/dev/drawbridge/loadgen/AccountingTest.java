package dev.drawbridge.loadgen;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AccountingTest {

    @Test
    void messagesInOrderAreCountedOnceWithNothingMissing() {
        PairLedger ledger = new PairLedger();
        for (int s = 0; s < 100; s++) {
            assertThat(ledger.record(s)).isEqualTo(PairLedger.Arrival.IN_ORDER);
        }
        assertThat(ledger.distinct()).isEqualTo(100);
        assertThat(ledger.duplicates()).isZero();
        assertThat(ledger.reordered()).isZero();
        assertThat(ledger.missingOf(100)).isZero();
    }

    @Test
    void aRepeatedNumberIsADuplicateAndAnEarlierOneIsReordered() {
        PairLedger ledger = new PairLedger();
        ledger.record(0);
        ledger.record(2);
        assertThat(ledger.record(1)).isEqualTo(PairLedger.Arrival.REORDERED);
        assertThat(ledger.record(2)).isEqualTo(PairLedger.Arrival.DUPLICATE);
        assertThat(ledger.record(0)).isEqualTo(PairLedger.Arrival.DUPLICATE);
        ledger.record(5);

        assertThat(ledger.distinct()).isEqualTo(4);
        assertThat(ledger.duplicates()).isEqualTo(2);
        assertThat(ledger.reordered()).isEqualTo(1);
        assertThat(ledger.missingOf(6)).isEqualTo(2); // 3 and 4
        assertThat(ledger.missingOf(3)).isZero();
    }

    @Test
    void negativeSequenceNumbersAreRefused() {
        assertThatThrownBy(() -> new PairLedger().record(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countersTellDeliveriesFromDuplicatesAndReorderings() {
        Counters counters = new Counters();
        counters.delivered(PairLedger.Arrival.IN_ORDER);
        counters.delivered(PairLedger.Arrival.REORDERED);
        counters.delivered(PairLedger.Arrival.DUPLICATE);
        counters.status("relay", "200");
        counters.status("relay", "200");
        counters.status("relay", "429");
        counters.status("join", "failed:ConnectException");

        assertThat(counters.deliveries.sum()).isEqualTo(2);
        assertThat(counters.reordered.sum()).isEqualTo(1);
        assertThat(counters.duplicates.sum()).isEqualTo(1);
        assertThat(counters.accepted("relay")).isEqualTo(2);
        assertThat(counters.errorCount()).isEqualTo(2);
        assertThat(counters.errors().getLong("relay 429")).isEqualTo(1);
        assertThat(counters.errors().getLong("join failed:ConnectException")).isEqualTo(1);
    }

    @Test
    void percentilesOfAUniformSpreadAreWhereTheyShouldBe() {
        Latency latency = new Latency();
        for (int ms = 1; ms <= 1000; ms++) {
            latency.record(ms * 1_000_000L);
        }
        Histogram h = latency.total();
        var summary = Latency.summary(h);

        assertThat(summary.getLong("count")).isEqualTo(1000);
        assertThat(summary.getDouble("p50")).isCloseTo(500, within(1.0));
        assertThat(summary.getDouble("p90")).isCloseTo(900, within(1.0));
        assertThat(summary.getDouble("p99")).isCloseTo(990, within(1.0));
        assertThat(summary.getDouble("p999")).isCloseTo(999, within(1.0));
        assertThat(summary.getDouble("max")).isCloseTo(1000, within(1.0));
    }

    @Test
    void theIntervalHoldsOnlyWhatCameSinceTheLastOneButTheTotalKeepsEverything() {
        Latency latency = new Latency();
        latency.record(1_000_000);
        assertThat(latency.interval().getTotalCount()).isEqualTo(1);
        latency.record(3_000_000);
        latency.record(5_000_000);
        assertThat(latency.interval().getTotalCount()).isEqualTo(2);
        assertThat(latency.total().getTotalCount()).isEqualTo(3);
    }

    @Test
    void negativeAndHugeLatenciesAreClampedNotLost() {
        Latency latency = new Latency();
        latency.record(-5);
        latency.record(Long.MAX_VALUE);
        Histogram h = latency.total();
        assertThat(h.getTotalCount()).isEqualTo(2);
        assertThat(h.getMinValue()).isZero();
        assertThat(h.getMaxValue()).isGreaterThanOrEqualTo(Latency.MAX_NANOS);
    }

    @Test
    void numbersAreReadFromTheRelayedBody() {
        String data = "{\"peer\":{\"id\":\"x\",\"username\":\"u\"},\"data\":{\"f\":12,\"s\":0,\"t\":987654321,\"p\":\"s\"}}";
        int from = data.indexOf("\"data\":");
        assertThat(Peer.number(data, "\"f\":", from)).isEqualTo(12);
        assertThat(Peer.number(data, "\"s\":", from)).isZero();
        assertThat(Peer.number(data, "\"t\":", from)).isEqualTo(987654321L);
        assertThat(Peer.number(data, "\"q\":", from)).isEqualTo(-1);
    }
}
