package dev.drawbridge.bus.redis;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** REDIS_URL: one server, or seeds of a cluster, with the credentials of the first for every node. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisUrlTest {

    @Test
    void one_url_names_one_seed_and_keeps_its_database_for_a_standalone_server() {
        RedisUrl url = RedisUrl.parse("redis://user:p%40ss@redis.example:6380/2");

        assertThat(url.endpoints()).containsExactly("redis.example:6380");
        assertThat(url.standalone("redis.example:6380")).isEqualTo("redis://user:p%40ss@redis.example:6380/2");
        assertThat(url.of("10.0.0.7:7001")).isEqualTo("redis://user:p%40ss@10.0.0.7:7001");
    }

    @Test
    void seeds_follow_comma_separated_as_host_port_or_as_urls_and_the_port_defaults_to_6379() {
        RedisUrl url = RedisUrl.parse("rediss://:secret@a:7000, b:7001,rediss://c,redis://[::1]:7003");

        assertThat(url.endpoints()).containsExactly("a:7000", "b:7001", "c:6379", "[::1]:7003");
        assertThat(url.of("b:7001")).isEqualTo("rediss://:secret@b:7001");
    }

    @Test
    void anything_but_a_redis_url_is_refused_without_showing_the_password() {
        assertThatThrownBy(() -> RedisUrl.parse("http://host:6379")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisUrl.parse("redis://user:pa ss@host:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("pa ss");
        assertThat(List.of(RedisUrl.parse("redis://host").endpoints().getFirst())).containsExactly("host:6379");
    }
}
