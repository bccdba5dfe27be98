package dev.switchboard.gateway.server;

import io.netty.handler.codec.PrematureChannelClosureException;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients that go away (reset, broken pipe, closed connection) are expected on a public port and
 * are logged at DEBUG, not as warnings or errors: a log pipeline alerting on ERROR must not page
 * anyone because a browser tab was closed. Anything else still reaches the usual error handling.
 */
public final class ClientDisconnects {

  private static final Logger LOG = LoggerFactory.getLogger(ClientDisconnects.class);

  private ClientDisconnects() {}

  /** Whether {@code error} (or a cause) only says that the client's connection went away. */
  public static boolean expected(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClosedChannelException
          || t instanceof HttpClosedException
          || t instanceof PrematureChannelClosureException) {
        return true;
      }
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if ((t instanceof IOException || t instanceof VertxException)
          && (message.contains("connection reset")
              || message.contains("broken pipe")
              || message.contains("connection was closed"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * A router failure handler: a failure that is only a client disconnect ends here (at DEBUG; the
   * connection is gone, there is no one to answer); any other failure goes on to the router's error
   * handlers as before.
   */
  public static void failureHandler(RoutingContext rc) {
    if (rc.failure() != null && expected(rc.failure())) {
      LOG.debug(
          "client went away during {} {}: {}",
          rc.request().method(),
          rc.request().path(),
          rc.failure().toString());
      rc.request().connection().close();
      return;
    }
    rc.next();
  }

  /**
   * A server exception handler: connection-level errors outside any request. Each is a client's
   * doing (it went away, or sent bytes that are not HTTP, which the decoder already answered with
   * 400), so none is worth more than DEBUG.
   */
  static void connectionError(Throwable error) {
    if (expected(error)) {
      LOG.debug("client connection closed: {}", error.toString());
    } else {
      LOG.debug("malformed client request: {}", error.toString());
    }
  }
}
