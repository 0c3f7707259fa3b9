package dev.drawbridge.protocol;

import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resume on one node alone, on the in-process bus: the stream comes back to the node it left. */
class ResumeTest extends ResumeContract {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass(
            "--resume-grace", GRACE, "--history-events", String.valueOf(HISTORY_EVENTS));

    @Override
    String first() {
        return node.baseUrl();
    }

    @Override
    String second() {
        return node.baseUrl();
    }
}
