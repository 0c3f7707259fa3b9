package dev.drawbridge.loadgen;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProcStatsTest {

    @Test
    void cpuTimeIsUserPlusSystemTicksEvenWhenTheCommandNameHasSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 123 456 789";

        assertThat(ProcStats.cpuMicrosOf(stat)).isEqualTo(300 * 1_000_000L / ProcStats.CLOCK_TICKS);
    }

    @Test
    void thisProcessHasResidentMemoryCpuTimeAndOpenFiles() {
        long pid = ProcessHandle.current().pid();
        assertThat(ProcStats.rssKb(pid)).isGreaterThan(1_000);
        assertThat(ProcStats.cpuMicros(pid)).isPositive();
        assertThat(ProcStats.openFiles(pid)).isPositive();
        assertThat(ProcStats.rssKb(Integer.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void onlyEstablishedConnectionsOfTheProcessToThePortAreCounted() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:C350 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 111 1",
                "   1: 0100007F:C351 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 222 1",
                "   2: 0100007F:C352 0100007F:18EB 06 00000000:00000000 00:00000000 00000000     0        0 333 1",
                "   3: 0100007F:C353 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 444 1",
                "   4: 0100007F:1F90 0200007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 555 1");
        // 0x18EB is 6379; 222 belongs to another process, 333 is in TIME_WAIT, 444 goes elsewhere,
        // 555 was accepted on the node's port 8080 (0x1F90) from a client whose port happens to be 6379.
        assertThat(ProcStats.countIn(table, 6379, Set.of("111", "333", "444", "555"), Set.of(8080))).isEqualTo(1);
        assertThat(ProcStats.countIn(table, 6379, Set.of("111", "555"), Set.of())).isEqualTo(2);
    }
}
