package dev.drawbridge.protocol;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The shape every error answer of PROTOCOL.md has. */
final class ErrorAnswers {
    private ErrorAnswers() {}

    /** The answer has that status and {@code {"error": code, "message": text}}, and nothing more. */
    static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonObject body = new JsonObject(response.body());
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message");
        assertThat(body.getString("error")).isEqualTo(code);
        assertThat(body.getString("message")).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
    }
}
