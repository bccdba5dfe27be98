package dev.switchboard.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.transport.Transport;

/**
 * The floor of a reverse proxy on Vert.x (issue #21), for the bench beside {@link NettyFloorProxy}:
 * the HTTP server and client the gateway uses, with the gateway's server and client options, and
 * nothing else — one server verticle per core, each with its own keep-alive client (as the
 * gateway's per-event-loop pools); each request's body read whole, sent upstream with the client's
 * headers (minus {@code Host} and {@code Connection}), and the whole answer written back with the
 * upstream's headers — or, for an answer without a length (a stream), relayed chunk by chunk. No
 * JSON, no routing, no logging, no timeouts: the difference to the Netty floor is what Vert.x's
 * HTTP layer costs per request, and the gateway's difference to this one is what Switchboard's own
 * request path costs. Bench code only.
 *
 * <p>{@code VertxFloorProxy <port> <upstream-port>}, both on 127.0.0.1.
 */
public final class VertxFloorProxy extends VerticleBase {

  private final int port;
  private final int upstreamPort;
  private HttpClientAgent client;

  private VertxFloorProxy(int port, int upstreamPort) {
    this.port = port;
    this.upstreamPort = upstreamPort;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int upstreamPort = Integer.parseInt(args[1]);
    Vertx vertx = Vertx.builder().withTransport(Transport.nativeTransport()).build();
    vertx
        .deployVerticle(
            () -> new VertxFloorProxy(port, upstreamPort),
            new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .await();
    System.out.println(
        "vertx floor proxy on 127.0.0.1:"
            + port
            + " → 127.0.0.1:"
            + upstreamPort
            + (vertx.isNativeTransportEnabled() ? " (native transport)" : ""));
  }

  @Override
  public Future<?> start() {
    // The gateway's upstream client options (UpstreamClients), one client per event loop.
    client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpQuickAck(true)
                .setDecompressionSupported(true),
            new PoolOptions().setHttp1MaxSize(1024));
    // The gateway's public server options (GatewayServer).
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            .setPerMessageWebSocketCompressionSupported(false)
            .setTcpQuickAck(true)
            .setIdleTimeout(0);
    return vertx.createHttpServer(options).requestHandler(this::proxy).listen();
  }

  private void proxy(HttpServerRequest request) {
    request
        .body()
        .compose(
            body -> {
              MultiMap headers = HttpHeaders.headers().addAll(request.headers());
              headers.remove(HttpHeaders.HOST).remove(HttpHeaders.CONNECTION);
              return client
                  .request(
                      new RequestOptions()
                          .setMethod(request.method())
                          .setHost("127.0.0.1")
                          .setPort(upstreamPort)
                          .setURI(request.uri())
                          .setHeaders(headers))
                  .compose(upstream -> upstream.send(body));
            })
        .compose(
            (HttpClientResponse answer) -> {
              if (answer.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
                // A stream (SSE, chunked): relayed chunk by chunk as it arrives.
                var response = request.response().setStatusCode(answer.statusCode());
                response.headers().addAll(answer.headers());
                response
                    .headers()
                    .remove(HttpHeaders.CONNECTION)
                    .remove(HttpHeaders.TRANSFER_ENCODING);
                response.setChunked(true);
                return answer.pipeTo(response);
              }
              return answer
                  .body()
                  .map(
                      bytes -> {
                        var response = request.response().setStatusCode(answer.statusCode());
                        response.headers().addAll(answer.headers());
                        response.headers().remove(HttpHeaders.CONNECTION);
                        response.end(bytes);
                        return (Void) null;
                      });
            })
        .onFailure(
            failure -> {
              if (!request.response().headWritten()) {
                request.response().setStatusCode(502).end(Buffer.buffer());
              }
            });
  }
}
