package dev.switchboard.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;

/**
 * The floor of a Java reverse proxy on this machine (issue #21): the least an HTTP/1.1 proxy on
 * Netty — the network library under Vert.x and so under the gateway — can do per request, for the
 * bench to measure beside nginx and the gateway. One event loop per core (as the gateway's
 * servers), native epoll when available; each request is read whole, its head re-encoded with the
 * upstream's {@code Host} and sent on a keep-alive connection of the same event loop's pool (one
 * request at a time per connection), and the answer is relayed as it arrives (flushed after each
 * read: a whole small answer at once, a stream event by event). Nothing else: no JSON parsing, no
 * routing, no logging, no timeouts, no metrics — a proxy no user could run, and so a bound on what
 * any proxy on Netty, the gateway included, can reach here. Bench code only; never part of
 * Switchboard.
 *
 * <p>{@code NettyFloorProxy <port> <upstream-port>}, both on 127.0.0.1.
 */
public final class NettyFloorProxy {

  private NettyFloorProxy() {}

  /** The idle upstream connections of the current event loop. */
  private static final FastThreadLocal<ArrayDeque<Channel>> IDLE =
      new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
          return new ArrayDeque<>();
        }
      };

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int upstreamPort = Integer.parseInt(args[1]);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    EventLoopGroup loops =
        new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
    Class<? extends ServerChannel> serverChannel =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    Bootstrap upstream =
        new Bootstrap()
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .remoteAddress("127.0.0.1", upstreamPort)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpClientCodec()).addLast(new Answer());
                  }
                });
    String upstreamHost = "127.0.0.1:" + upstreamPort;
    ServerBootstrap server =
        new ServerBootstrap()
            .group(loops)
            .channel(serverChannel)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(16 * 1024 * 1024))
                        .addLast(new Forward(upstream, upstreamHost));
                  }
                });
    server.bind("127.0.0.1", port).sync();
    System.out.println(
        "netty floor proxy on 127.0.0.1:"
            + port
            + " → "
            + upstreamHost
            + (epoll ? " (epoll)" : ""));
    Thread.currentThread().join();
  }

  /** Server side: sends each whole request upstream on a connection of this event loop. */
  private static final class Forward extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Bootstrap upstream;
    private final String upstreamHost;

    Forward(Bootstrap upstream, String upstreamHost) {
      super(false); // the request is handed on upstream, which releases it when written
      this.upstream = upstream;
      this.upstreamHost = upstreamHost;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext client, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      request.headers().set(HttpHeaderNames.HOST, upstreamHost);
      request.headers().remove(HttpHeaderNames.CONNECTION);
      ArrayDeque<Channel> idle = IDLE.get();
      Channel ch = idle.pollLast();
      while (ch != null && !ch.isActive()) {
        ch = idle.pollLast();
      }
      if (ch != null) {
        send(ch, client, request, keepAlive);
        return;
      }
      upstream
          .clone(client.channel().eventLoop())
          .connect()
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      send(f.channel(), client, request, keepAlive);
                    } else {
                      request.release();
                      badGateway(client, keepAlive);
                    }
                  });
    }

    private static void send(
        Channel ch, ChannelHandlerContext client, FullHttpRequest request, boolean keepAlive) {
      Answer answer = ch.pipeline().get(Answer.class);
      answer.client = client;
      answer.keepAlive = keepAlive;
      answer.headSent = false;
      ch.writeAndFlush(request)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (!f.isSuccess()) {
                      answer.client = null;
                      ch.close();
                      badGateway(client, keepAlive);
                    }
                  });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /**
   * Upstream side: relays the answer to the waiting client as its parts arrive (head, then body
   * chunks, flushed after each read — a stream's events go out as they come), and pools the
   * connection after the last part.
   */
  private static final class Answer extends SimpleChannelInboundHandler<HttpObject> {
    ChannelHandlerContext client;
    boolean keepAlive;
    boolean reuse;
    boolean headSent;

    Answer() {
      super(false); // each part is written to the client, which releases it
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject part) {
      ChannelHandlerContext to = client;
      if (part instanceof HttpResponse head) {
        headSent = to != null;
        reuse = HttpUtil.isKeepAlive(head);
        head.headers().remove(HttpHeaderNames.CONNECTION);
        HttpUtil.setKeepAlive(head, keepAlive);
      }
      if (to == null) {
        ReferenceCountUtil.release(part);
        return;
      }
      if (!(part instanceof LastHttpContent)) {
        to.write(part);
        return;
      }
      client = null;
      if (keepAlive) {
        to.writeAndFlush(part);
      } else {
        to.writeAndFlush(part).addListener(ChannelFutureListener.CLOSE);
      }
      if (reuse) {
        IDLE.get().addLast(ctx.channel());
      } else {
        ctx.close();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ChannelHandlerContext to = client;
      if (to != null) {
        to.flush(); // what this read brought of an answer still under way
      }
      ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (client != null && headSent) {
        client.close(); // the answer was cut off: so is the client's
      } else if (client != null) {
        badGateway(client, keepAlive);
      }
      client = null;
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static void badGateway(ChannelHandlerContext client, boolean keepAlive) {
    FullHttpResponse bad =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER);
    HttpUtil.setContentLength(bad, 0);
    HttpUtil.setKeepAlive(bad, keepAlive);
    client.writeAndFlush(bad);
  }
}
