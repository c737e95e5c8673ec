package io.vmimport.target.harvester.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers GET and HEAD for {@code /<token>/<file name>}; everything else is 404 or 405.
 *
 * <p>One request at a time: the channel does not read by itself (auto-read is off and a {@code
 * FlowControlHandler} sits before this handler), and this handler asks for the next request only
 * once the previous response has been sent. A client that pipelines thousands of requests therefore
 * makes the server hold one open file, not thousands, and the requests it has not reached stay in
 * the client's socket. A request head must arrive within the request timeout of the connection
 * being ready for it; a response that makes no progress is cut by the {@code IdleStateHandler}'s
 * second writer-idle event in a row, so after one to two send timeouts without progress.
 */
public final class ImageRequestHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(ImageRequestHandler.class);
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final Function<String, Path> filesByToken;
  private final boolean zeroCopy;
  private final Duration requestTimeout;
  private ScheduledFuture<?> requestDeadline;
  private boolean responding;

  public ImageRequestHandler(
      Function<String, Path> filesByToken, boolean zeroCopy, Duration requestTimeout) {
    this.filesByToken = filesByToken;
    this.zeroCopy = zeroCopy;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    awaitRequest(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelDeadline();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest request) {
        cancelDeadline();
        responding = true;
        ChannelFuture sent = respond(ctx, request);
        sent.addListener(
            f -> {
              if (!f.isSuccess() || !ctx.channel().isOpen()) {
                ctx.close();
              } else {
                responding = false;
                awaitRequest(ctx);
              }
            });
      } else {
        // the rest of a request (its end, or a body nobody asked for): on to the next message
        readNext(ctx);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent idle && idle.state() == IdleState.WRITER_IDLE) {
      // the first event after a completed write comes whatever the progress since (it is the
      // handler's baseline); a later one means no byte went out for a whole period
      if (responding && !idle.isFirst()) {
        log.debug("closing a download the client stopped reading: {}", ctx.channel());
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a client that goes away mid-download is normal (CDI probes the header and hangs up)
    log.debug("image download connection closed: {}", cause.toString());
    ctx.close();
  }

  /** Starts the clock for the next request head and asks for it. */
  private void awaitRequest(ChannelHandlerContext ctx) {
    cancelDeadline();
    requestDeadline =
        ctx.executor()
            .schedule(
                () -> {
                  log.debug(
                      "closing a connection that sent no complete request: {}", ctx.channel());
                  ctx.close();
                },
                requestTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    readNext(ctx);
  }

  private static void readNext(ChannelHandlerContext ctx) {
    // later, not now: a queued request would otherwise be handled inside this call, and a long
    // pipeline would nest as deep as it is long
    ctx.executor().execute(ctx::read);
  }

  private void cancelDeadline() {
    if (requestDeadline != null) {
      requestDeadline.cancel(false);
      requestDeadline = null;
    }
  }

  /** Answers {@code request}; the future completes once the whole response is sent. */
  private ChannelFuture respond(ChannelHandlerContext ctx, HttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      return sendStatus(ctx, HttpResponseStatus.BAD_REQUEST, false);
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    boolean head = request.method().equals(HttpMethod.HEAD);
    if (!head && !request.method().equals(HttpMethod.GET)) {
      // closed: whatever body follows is not worth reading
      return sendStatus(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, false);
    }
    Optional<Path> file = resolve(request.uri());
    if (file.isEmpty()) {
      return sendStatus(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
    }
    long length;
    try {
      // the size from the directory entry: a request that is refused opens nothing
      length = Files.size(file.get());
    } catch (IOException e) {
      log.warn(
          "cannot read the size of {} for download: {}", file.get().getFileName(), e.toString());
      return sendStatus(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
    }
    Optional<ByteRange> range =
        ByteRange.parse(request.headers().get(HttpHeaderNames.RANGE), length);
    if (range.isPresent() && range.get().unsatisfiable()) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
      response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
      response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
      return finish(ctx, response, keepAlive);
    }
    long start = range.map(ByteRange::first).orElse(0L);
    long count = range.map(r -> r.last() - r.first() + 1).orElse(length);
    HttpResponseStatus status =
        range.isPresent() ? HttpResponseStatus.PARTIAL_CONTENT : HttpResponseStatus.OK;
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, count);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
    response.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    if (range.isPresent()) {
      response
          .headers()
          .set(
              HttpHeaderNames.CONTENT_RANGE,
              "bytes " + start + "-" + (start + count - 1) + "/" + length);
    }
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    if (head || count == 0) {
      ctx.write(response);
      return finish(ctx, LastHttpContent.EMPTY_LAST_CONTENT, keepAlive);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(file.get());
    } catch (IOException e) {
      log.warn("cannot open {} for download: {}", file.get().getFileName(), e.toString());
      return sendStatus(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
    }
    // from here the region (or chunked file) owns the channel: Netty closes it once it is sent,
    // failed, or its connection closed
    Object body;
    if (zeroCopy) {
      body = new DefaultFileRegion(channel, start, count);
    } else {
      try {
        body = new ChunkedNioFile(channel, start, count, 1 << 20);
      } catch (IOException e) {
        closeQuietly(channel, e);
        return sendStatus(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, false);
      }
    }
    ctx.write(response);
    ctx.write(body);
    return finish(ctx, LastHttpContent.EMPTY_LAST_CONTENT, keepAlive);
  }

  /**
   * A single {@code Range} of a file of {@code length} bytes, validated before anything is opened.
   * Numbers too large for a {@code long} are taken as "beyond any file": a first position becomes
   * unsatisfiable, a last position or a suffix means the end.
   */
  record ByteRange(long first, long last, boolean unsatisfiable) {
    static Optional<ByteRange> parse(String header, long length) {
      if (header == null) {
        return Optional.empty();
      }
      Matcher m = RANGE.matcher(header.trim());
      // several ranges (a comma) or other units: answering the whole file is allowed by RFC 9110
      if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
        return Optional.empty();
      }
      if (m.group(1).isEmpty()) {
        long suffix = saturated(m.group(2));
        if (suffix == 0 || length == 0) {
          return Optional.of(new ByteRange(0, -1, true));
        }
        return Optional.of(new ByteRange(Math.max(0, length - suffix), length - 1, false));
      }
      long first = saturated(m.group(1));
      long last = m.group(2).isEmpty() ? length - 1 : Math.min(saturated(m.group(2)), length - 1);
      if (first >= length || last < first) {
        return Optional.of(new ByteRange(0, -1, true));
      }
      return Optional.of(new ByteRange(first, last, false));
    }

    private static long saturated(String digits) {
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        return Long.MAX_VALUE; // only digits reach here: the number is just too large
      }
    }
  }

  private Optional<Path> resolve(String uri) {
    String path = uri;
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    String[] parts = path.split("/", -1);
    // exactly "", token, file name: no listing of "/" or "/<token>/"
    if (parts.length != 3 || !parts[0].isEmpty() || parts[2].isEmpty()) {
      return Optional.empty();
    }
    Path file = filesByToken.apply(parts[1]);
    if (file == null) {
      return Optional.empty();
    }
    String name = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
    return name.equals(file.getFileName().toString()) ? Optional.of(file) : Optional.empty();
  }

  private static ChannelFuture sendStatus(
      ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(status.toString() + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    return finish(ctx, response, keepAlive);
  }

  private static void closeQuietly(FileChannel channel, IOException cause) {
    try {
      channel.close();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
    log.warn("cannot send a file: {}", cause.toString());
  }

  /** Writes the last part of a response; without keep-alive, the connection closes after it. */
  private static ChannelFuture finish(ChannelHandlerContext ctx, Object last, boolean keepAlive) {
    if (!keepAlive && last instanceof HttpResponse response) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ChannelFuture sent = ctx.writeAndFlush(last);
    if (!keepAlive) {
      sent.addListener(f -> ctx.close());
    }
    return sent;
  }
}
