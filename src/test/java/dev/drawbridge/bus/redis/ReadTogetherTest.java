package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.BusUnavailableException;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;

/** Reads sent in one turn of an event loop go out together, and each caller gets its own answers. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReadTogetherTest {
    @RegisterExtension
    static final RedisNodes cluster = new RedisNodes();

    @Test
    void every_caller_of_one_turn_gets_the_answers_to_its_own_reads_in_order() {
        Commands commands = cluster.connect("reader").commands();
        for (int i = 0; i < 60; i++) {
            cluster.server().call("SET", "k" + i, "v" + i);
        }

        // Thirty callers in one turn of an event loop, two reads each.
        List<List<Response>> answers = inOneTurn(commands, 30, i -> List.of(
                Request.cmd(Command.GET).arg("k" + (2 * i)),
                Request.cmd(Command.GET).arg("k" + (2 * i + 1))));

        for (int i = 0; i < 30; i++) {
            assertThat(answers.get(i)).extracting(Response::toString)
                    .containsExactly("v" + (2 * i), "v" + (2 * i + 1));
        }
    }

    @Test
    void a_read_that_fails_fails_every_read_of_its_turn_as_unavailable() {
        Commands commands = cluster.connect("reader").commands();
        cluster.server().call("SET", "text", "not a hash");

        // Alone, the GETs would succeed; the HGETALL of a string fails, and takes its turn with it.
        List<Future<List<Response>>> each = new ArrayList<>();
        Promise<Void> answered = Promise.promise();
        loopContext().runOnContext(v -> {
            for (int i = 0; i < 3; i++) {
                each.add(commands.readTogether(List.of(Request.cmd(i == 1 ? Command.HGETALL : Command.GET).arg("text"))));
            }
            Future.join(each).<Void>mapEmpty().otherwiseEmpty().onComplete(answered);
        });
        get(answered.future());

        assertThat(each).hasSize(3).allSatisfy(read -> {
            assertThat(read.failed()).isTrue();
            assertThat(read.cause()).isInstanceOf(BusUnavailableException.class).hasMessageContaining("WRONGTYPE");
        });
    }

    private static List<List<Response>> inOneTurn(Commands commands, int callers, Function<Integer, List<Request>> reads) {
        return get(inOneTurnAsync(commands, callers, reads));
    }

    private static Future<List<List<Response>>> inOneTurnAsync(Commands commands, int callers,
                                                               Function<Integer, List<Request>> reads) {
        Promise<List<List<Response>>> all = Promise.promise();
        loopContext().runOnContext(v -> {
            List<Future<List<Response>>> each = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                each.add(commands.readTogether(reads.apply(i)));
            }
            Future.all(each).map(done -> each.stream().map(Future::result).toList()).onComplete(all);
        });
        return all.future();
    }

    private static ContextInternal loopContext() {
        EventLoop loop = cluster.eventLoops().get(0);
        return ((VertxInternal) cluster.vertx()).contextBuilder().withEventLoop(loop).build();
    }
}
