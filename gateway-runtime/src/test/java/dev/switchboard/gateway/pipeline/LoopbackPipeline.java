package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline served on a loopback port at {@code POST /v1/chat/completions}, as the gateway serves
 * it: each request starts the pipeline with one {@link Exchange} (request id {@code req}) through
 * {@code door}. For tests of stages with a real HTTP exchange on both sides.
 */
public final class LoopbackPipeline {

  private static final String PATH = "/v1/chat/completions";

  private LoopbackPipeline() {}

  /**
   * Serves {@code pipeline} on a port the OS picks, over HTTP/1.1 only as the gateway's own server
   * ({@code ConnectionGuard}: h2c off): a JDK client's h2c upgrade attempt is then answered in
   * HTTP/1.1, as in production, instead of switching the test's connection to HTTP/2 (where the
   * response's close handler also fires at a stream's normal end).
   */
  public static HttpServer serve(Vertx vertx, Pipeline pipeline, FrontDoor door, GatewayClock clock)
      throws Exception {
    return serve(
        vertx, pipeline, door, clock, new HttpServerOptions().setHttp2ClearTextEnabled(false));
  }

  /** Serves {@code pipeline} on a port the OS picks, the server made with {@code options}. */
  public static HttpServer serve(
      Vertx vertx, Pipeline pipeline, FrontDoor door, GatewayClock clock, HttpServerOptions options)
      throws Exception {
    Router router = Router.router(vertx);
    router
        .post(PATH)
        .handler(BodyHandler.create(false))
        .handler(
            rc ->
                pipeline.start(
                    new Exchange(
                        rc.request(),
                        rc.body().buffer(),
                        new RequestContext("req", door.operation(), clock),
                        door,
                        pipeline)));
    return vertx
        .createHttpServer(options)
        .requestHandler(router)
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /**
   * Posts {@code body} and waits for the whole answer, its end included, at most {@code timeout}: a
   * request left unanswered, or a stream left open, fails the test instead of hanging it.
   */
  public static HttpResponse<String> post(
      HttpClient http, HttpServer server, String body, Duration timeout, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + PATH))
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
