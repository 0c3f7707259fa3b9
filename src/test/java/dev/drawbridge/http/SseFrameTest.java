package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SseFrameTest {

    @Test
    void aDeliveredEventIsFramedWithItsIdNameAndOneDataLineInUtf8() {
        Message message = new Message("note", "{\"text\":\"café 😀\"}");

        byte[] frame = SseStream.frameOf("3fa2c01b-42", message).getBytes();

        assertThat(frame).isEqualTo("id: 3fa2c01b-42\nevent: note\ndata: {\"text\":\"café 😀\"}\n\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anEventOutsideTheSequenceHasNoIdLine() {
        assertThat(SseStream.frameOf(null, new Message("connected", "{}")).toString(StandardCharsets.UTF_8))
                .isEqualTo("event: connected\ndata: {}\n\n");
    }

    @Test
    void jsonTextAcceptsExactlyOneValue() {
        assertThat(JsonText.isValid("{\"a\": [1, 2, {\"b\": null}]}")).isTrue();
        assertThat(JsonText.isValid("  \"text\"  ")).isTrue();
        assertThat(JsonText.isValid("{} {}")).isFalse();
        assertThat(JsonText.isValid("{\"a\": \"raw\nline\"}")).isFalse();
        assertThat(JsonText.isValid("")).isFalse();
    }
}
