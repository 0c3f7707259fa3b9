package dev.drawbridge.web;

import com.microsoft.playwright.Page;
import org.junit.jupiter.api.Test;

import static dev.drawbridge.testing.FromAddress.metric;
import static org.assertj.core.api.Assertions.assertThat;

/** docs/LIMITS.md: a browser whose stream is over a limit is not lost; it comes back by itself once under it. */
class StreamLimitComebackTest extends BrowserTest {

    @Override
    protected String[] nodeFlags() {
        return new String[] {"--max-address-streams", "1", "--stream-retry", "1s"};
    }

    @Test
    void aPageWhoseStreamIsOverTheAddressCapJoinsByItselfOnceAnotherPageOfTheAddressCloses() {
        String room = newRoom();
        BoardPage first = open(room, "first");
        String series = "drawbridge_limited_total{limit=\"address_streams\"}";
        double before = metric(node.baseUrl(), series);

        Page second = chromium.newContext(800, 500).newPage();
        second.navigate(node.baseUrl() + "/" + room + "?name=second");
        eventually().alias("the second page's stream refused, at least twice (it keeps coming back)")
                .until(() -> metric(node.baseUrl(), series) >= before + 2);
        assertThat(second.evaluate("() => window.drawbridge?.state().joined === true")).isEqualTo(false);

        first.page.context().close();

        eventually().alias("the second page joined by itself")
                .until(() -> second.evaluate("() => window.drawbridge?.state().joined === true").equals(true));
    }
}
