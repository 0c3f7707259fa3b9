package dev.drawbridge.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time a connection may take, per phase, so that a client that sends slowly (or not at all)
 * cannot hold a connection, and so a file descriptor, for long:
 * <ul>
 *   <li>{@code headers}: from the connection's open, or from the first byte of a later request, to
 *   the end of the request's headers. Not reset by each byte: a client sending one byte a second is
 *   cut off at the bound like one that sends nothing. Closed without an answer (there is no request
 *   to answer yet).</li>
 *   <li>{@code body}: from the end of the headers to the end of the body. Answered
 *   {@code 408 request_timeout} with the JSON body and {@code Connection: close} when no answer has
 *   begun, then closed.</li>
 *   <li>{@code idle}: from the end of a response to the first byte of the next request on a
 *   keep-alive connection. Closed.</li>
 * </ul>
 * While the server works on a request nothing is timed (its own bounds, such as Redis', apply).
 * A connection whose answer is an event stream ({@code text/event-stream}) or an upgrade
 * ({@code 101}) is exempt from then on: streams have pings. Each cut is counted in
 * {@code drawbridge_timed_out_total{phase}} and logged through {@link ClientErrorLog}.
 *
 * <p>Done with two Netty handlers per connection, one before the HTTP decoder (it sees the first
 * bytes of a request) and one after it (it sees decoded requests and the responses written), sharing
 * one state on the channel's event loop; Vert.x' own idle timeout only counts silence, which a
 * slow-loris never leaves.
 */
final class Deadlines {
    /** The bounds, in milliseconds. */
    record Bounds(long headersMillis, long bodyMillis, long idleMillis) {}

    /** Marks a decoded request whose version is neither 1.0 nor 1.1, for {@link WellFormed#invalid}. */
    static final class UnsupportedVersion extends RuntimeException {
        UnsupportedVersion() {
            super("unsupported HTTP version", null, false, false);
        }
    }

    private static final byte[] TIMEOUT_BODY = new JsonObject().put("error", "request_timeout")
            .put("message", "the request's body did not arrive in time").encode().getBytes(StandardCharsets.UTF_8);

    private enum Phase { HEADERS, BODY, BUSY, IDLE, EXEMPT }

    private final Bounds bounds;
    private final ClientErrorLog errors;
    private final Counter headers;
    private final Counter body;
    private final Counter idle;

    Deadlines(Bounds bounds, MeterRegistry metrics, ClientErrorLog errors) {
        this.bounds = bounds;
        this.errors = errors;
        this.headers = counter(metrics, "headers");
        this.body = counter(metrics, "body");
        this.idle = counter(metrics, "idle");
    }

    private static Counter counter(MeterRegistry metrics, String phase) {
        return Counter.builder("drawbridge.timed.out").description("connections closed for being too slow, per phase")
                .tag("phase", phase).register(metrics);
    }

    /**
     * Puts the handlers into a new HTTP/1.x connection's pipeline ({@code httpDecoder} ... {@code handler},
     * as Vert.x builds it); call on the connection's event loop, before its first request is read.
     */
    void install(ChannelPipeline pipeline) {
        Connection connection = new Connection();
        pipeline.addBefore("httpDecoder", "drawbridgeBytes", connection.bytes);
        pipeline.addBefore("handler", "drawbridgeMessages", connection.messages);
    }

    /** One connection's state; touched on its event loop only. */
    private final class Connection {
        private Phase phase = Phase.HEADERS;
        private ScheduledFuture<?> timer;
        private ChannelHandlerContext messagesContext;
        /** Requests whose headers were read and whose answer has not ended. */
        private int awaiting;
        /** The answer to the latest request has begun (maybe before its body was all read). */
        private boolean answered;
        /** A byte of the request being timed has arrived (a socket that never sent one is not worth a log line). */
        private boolean started;

        final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                arm(ctx, bounds.headersMillis());
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf && buf.isReadable()) {
                    started = true;
                    if (phase == Phase.IDLE) {
                        phase = Phase.HEADERS;
                        arm(ctx, bounds.headersMillis());
                    }
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                cancel();
                phase = Phase.EXEMPT;
                ctx.fireChannelInactive();
            }
        };

        final ChannelDuplexHandler messages = new ChannelDuplexHandler() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                messagesContext = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    HttpVersion version = request.protocolVersion();
                    if (request.decoderResult().isSuccess() && version != HttpVersion.HTTP_1_1
                            && version != HttpVersion.HTTP_1_0) {
                        request.setDecoderResult(DecoderResult.failure(new UnsupportedVersion()));
                        request.setProtocolVersion(HttpVersion.HTTP_1_1); // the version of the answer
                    }
                    awaiting++;
                    answered = false;
                    if (phase != Phase.EXEMPT) {
                        phase = Phase.BODY;
                        arm(ctx, bounds.bodyMillis());
                    }
                }
                if (msg instanceof LastHttpContent && phase == Phase.BODY) {
                    if (awaiting == 0) {
                        idle(ctx); // answered before its body ended (e.g. at once, from its headers)
                    } else {
                        phase = Phase.BUSY;
                        cancel();
                    }
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof HttpResponse response) {
                    answered = true;
                    String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
                    if (response.status().code() == 101 || (type != null && type.startsWith("text/event-stream"))) {
                        phase = Phase.EXEMPT;
                        cancel();
                    }
                }
                if (msg instanceof LastHttpContent) {
                    awaiting = Math.max(0, awaiting - 1);
                    if (phase == Phase.BUSY && awaiting == 0) {
                        idle(ctx);
                    }
                }
                ctx.write(msg, promise);
            }
        };

        private void idle(ChannelHandlerContext ctx) {
            phase = Phase.IDLE;
            started = false;
            arm(ctx, bounds.idleMillis());
        }

        private void arm(ChannelHandlerContext ctx, long millis) {
            cancel();
            Phase armed = phase;
            timer = ctx.executor().schedule(() -> expire(ctx, armed), millis, TimeUnit.MILLISECONDS);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        private void expire(ChannelHandlerContext ctx, Phase armed) {
            if (phase != armed || !ctx.channel().isActive()) {
                return;
            }
            timer = null;
            phase = Phase.EXEMPT;
            java.net.SocketAddress remote = ctx.channel().remoteAddress();
            SocketAddress from = remote instanceof java.net.InetSocketAddress inet
                    ? SocketAddress.inetSocketAddress(inet) : null;
            switch (armed) {
                case HEADERS -> {
                    headers.increment();
                    if (started) {
                        errors.note("closed a connection whose request headers did not arrive within "
                                + bounds.headersMillis() + " ms", from);
                    }
                    ctx.channel().close();
                }
                case BODY -> {
                    body.increment();
                    errors.note("answered 408: a request body did not arrive within " + bounds.bodyMillis() + " ms", from);
                    if (answered || messagesContext == null) {
                        ctx.channel().close();
                    } else {
                        DefaultFullHttpResponse timeout = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                HttpResponseStatus.REQUEST_TIMEOUT, Unpooled.wrappedBuffer(TIMEOUT_BODY));
                        timeout.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                                .set(HttpHeaderNames.CONTENT_LENGTH, TIMEOUT_BODY.length)
                                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        // From the handler after the decoder: through the encoder, past no other handler.
                        messagesContext.writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
                    }
                }
                case IDLE -> {
                    idle.increment();
                    ctx.channel().close();
                }
                default -> { }
            }
        }
    }
}
