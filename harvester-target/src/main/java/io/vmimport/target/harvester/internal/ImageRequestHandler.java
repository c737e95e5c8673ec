package io.vmimport.target.harvester.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers GET and HEAD for {@code /<token>/<file name>}; everything else is 404 or 405. */
public final class ImageRequestHandler extends SimpleChannelInboundHandler<HttpObject> {
  private static final Logger log = LoggerFactory.getLogger(ImageRequestHandler.class);
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final Function<String, Path> filesByToken;
  private final boolean zeroCopy;

  public ImageRequestHandler(Function<String, Path> filesByToken, boolean zeroCopy) {
    this.filesByToken = filesByToken;
    this.zeroCopy = zeroCopy;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws IOException {
    if (!(msg instanceof HttpRequest request)) {
      return; // request bodies (none expected) are ignored
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      sendStatus(ctx, HttpResponseStatus.BAD_REQUEST, false);
      return;
    }
    boolean head = request.method().equals(HttpMethod.HEAD);
    if (!head && !request.method().equals(HttpMethod.GET)) {
      sendStatus(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, keepAlive);
      return;
    }
    Optional<Path> file = resolve(request.uri());
    if (file.isEmpty()) {
      sendStatus(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
      return;
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(file.get());
    } catch (IOException e) {
      log.warn("cannot open {} for download: {}", file.get().getFileName(), e.toString());
      sendStatus(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
      return;
    }
    long length = channel.size();
    long start = 0;
    long count = length;
    HttpResponseStatus status = HttpResponseStatus.OK;
    String range = request.headers().get(HttpHeaderNames.RANGE);
    if (range != null) {
      Matcher m = RANGE.matcher(range.trim());
      // several ranges (a comma) are not matched: answering the whole file is allowed by RFC 9110
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        long first;
        long last;
        if (m.group(1).isEmpty()) {
          long suffix = Long.parseLong(m.group(2));
          first = Math.max(0, length - suffix);
          last = length - 1;
        } else {
          first = Long.parseLong(m.group(1));
          last =
              m.group(2).isEmpty() ? length - 1 : Math.min(Long.parseLong(m.group(2)), length - 1);
        }
        if (first >= length || last < first) {
          channel.close();
          FullHttpResponse response =
              new DefaultFullHttpResponse(
                  HttpVersion.HTTP_1_1, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
          response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
          response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
          finish(ctx.writeAndFlush(response), keepAlive);
          return;
        }
        start = first;
        count = last - first + 1;
        status = HttpResponseStatus.PARTIAL_CONTENT;
      }
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, count);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
    response.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    if (status == HttpResponseStatus.PARTIAL_CONTENT) {
      response
          .headers()
          .set(
              HttpHeaderNames.CONTENT_RANGE,
              "bytes " + start + "-" + (start + count - 1) + "/" + length);
    }
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    ctx.write(response);
    if (head || count == 0) {
      channel.close();
    } else if (zeroCopy) {
      ctx.write(new DefaultFileRegion(channel, start, count));
    } else {
      ctx.write(new ChunkedNioFile(channel, start, count, 1 << 20));
    }
    finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a client that goes away mid-download is normal (CDI probes the header and hangs up)
    log.debug("image download connection closed: {}", cause.toString());
    ctx.close();
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

  private static void sendStatus(
      ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(status.toString() + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    finish(ctx.writeAndFlush(response), keepAlive);
  }

  private static void finish(ChannelFuture future, boolean keepAlive) {
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }
}
