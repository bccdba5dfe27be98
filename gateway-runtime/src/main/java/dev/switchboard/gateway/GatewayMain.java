package dev.switchboard.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Command-line entry point. Every flag has an environment variable twin (flags win):
 *
 * <pre>
 * --host H              SWITCHBOARD_HOST            default 0.0.0.0
 * --port P              SWITCHBOARD_PORT            default 8080
 * --routing-file F      SWITCHBOARD_ROUTING_FILE    default /etc/switchboard/routing/routing.json
 * --keys-dir D          SWITCHBOARD_KEYS_DIR        default /etc/switchboard/keys
 * --namespace NS        SWITCHBOARD_NAMESPACE       Kubernetes mode (watch ConfigMap + Secret)
 * --max-body-bytes N    SWITCHBOARD_MAX_BODY_BYTES  default 33554432 (32 MiB)
 * --file-check-ms N     SWITCHBOARD_FILE_CHECK_MS   default 500
 * --admin-port P        SWITCHBOARD_ADMIN_PORT      default 9090 (/admin/*, /metrics)
 * --header-read-timeout-ms N  SWITCHBOARD_HEADER_READ_TIMEOUT_MS  default 10000
 * --idle-timeout-ms N   SWITCHBOARD_IDLE_TIMEOUT_MS default 75000 (keep-alive, between requests)
 * --max-connections N   SWITCHBOARD_MAX_CONNECTIONS default 10000 (public port, per replica)
 * --drain-delay-ms N    SWITCHBOARD_DRAIN_DELAY_MS  default 5000: on SIGTERM /readyz answers 503
 *                       and requests are still accepted this long
 * --shutdown-timeout-ms N  SWITCHBOARD_SHUTDOWN_TIMEOUT_MS  default 20000: then the public port
 *                       stops accepting and requests and streams in flight get this long to end
 * --consumers-file F    SWITCHBOARD_CONSUMERS_FILE  consumer table (file mode; hashes of keys only)
 * --require-consumer-keys B  SWITCHBOARD_REQUIRE_CONSUMER_KEYS  default false (true: keys even
 *                       while no Consumer exists)
 * --admin-key-sha256 H[,H…]  SWITCHBOARD_ADMIN_KEY_SHA256  hex SHA-256 of admin keys a person
 *                       reads /admin/* with (besides the operator's credential); any makes
 *                       every /admin/ path require one
 * --state-store URI     SWITCHBOARD_STATE_STORE     redis://host:port or rediss://… (shared limits)
 * --state-store-prefix P  SWITCHBOARD_STATE_STORE_PREFIX  default switchboard:NAMESPACE: (file
 *                       mode: switchboard:)
 *                       SWITCHBOARD_STATE_STORE_PASSWORD  (environment only: never a flag)
 *                       SWITCHBOARD_STATE_STORE_CA_FILE   PEM CA bundle for rediss://
 * --state-store-timeout-ms N  SWITCHBOARD_STATE_STORE_TIMEOUT_MS  default 250 (1–60000): the
 *                       longest a request waits for one store command; slower marks it down 1 s
 * --test-clock-offset-file F  SWITCHBOARD_TEST_CLOCK_OFFSET_FILE  TEST ONLY, off by default: moves
 *                       the wall clock by the offset in F (PT2H, -PT30M or ms), re-read every 200 ms
 * </pre>
 */
public final class GatewayMain {

  private GatewayMain() {}

  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty(
          "logback.configurationFile", "dev/switchboard/gateway/logback-gateway.xml");
    }
    GatewayOptions options;
    try {
      options = parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx(vertxOptions());
    GatewayServer.start(vertx, options)
        .onSuccess(
            server -> {
              org.slf4j.LoggerFactory.getLogger(GatewayMain.class)
                  .info(
                      "switchboard gateway listening on {}:{}, admin on port {} ({} mode, {}"
                          + " transport)",
                      options.host(),
                      server.port(),
                      server.adminPort(),
                      options.namespace() == null ? "file" : "kubernetes",
                      vertx.isNativeTransportEnabled() ? "native epoll" : "NIO");
              Runtime.getRuntime()
                  .addShutdownHook(new Thread(() -> shutdown(server, vertx, options)));
            })
        .onFailure(
            err -> {
              System.err.println("switchboard gateway failed to start: " + err.getMessage());
              vertx.close();
              System.exit(1);
            });
  }

  /**
   * Vert.x as the gateway runs it: on Linux with the native epoll transport (edge-triggered epoll,
   * no selector garbage, fewer wake-ups), which the Vert.x and Netty projects recommend for
   * production servers; elsewhere, or when the native library cannot load, on NIO.
   */
  public static VertxOptions vertxOptions() {
    return new VertxOptions().setPreferNativeTransport(true);
  }

  /**
   * On SIGTERM: drains, lets requests in flight finish and closes the gateway (see {@link
   * GatewayServer#shutdown()}), then Vert.x. Both are awaited from the hook thread, not chained on
   * a Vert.x context, because that context is gone once Vert.x has closed; the JVM exits when the
   * hook returns, so the hook waits for the whole drain, with a few seconds for closing the rest.
   */
  private static void shutdown(GatewayServer server, Vertx vertx, GatewayOptions options) {
    long waitMs = options.drainDelayMs() + options.shutdownTimeoutMs() + 5_000;
    try {
      server
          .shutdown()
          .toCompletionStage()
          .toCompletableFuture()
          .get(waitMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.err.println("switchboard gateway did not stop cleanly: " + e);
    }
    vertx.close().toCompletionStage().toCompletableFuture().join();
    // Last: the request lines of the drain are written. (Logback's own shutdown hook would have
    // stopped logging when SIGTERM arrived, while requests were still being served.)
    if (org.slf4j.LoggerFactory.getILoggerFactory()
        instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.stop();
    }
  }

  /** Options from flags, then environment, then defaults. */
  public static GatewayOptions parse(String[] args, Map<String, String> env) {
    GatewayOptions o = GatewayOptions.defaults();
    o = apply(o, env.get("SWITCHBOARD_HOST"), GatewayOptions::withHost, s -> s);
    o = apply(o, env.get("SWITCHBOARD_PORT"), GatewayOptions::withPort, Integer::parseInt);
    o = apply(o, env.get("SWITCHBOARD_ROUTING_FILE"), GatewayOptions::withRoutingFile, Path::of);
    o = apply(o, env.get("SWITCHBOARD_KEYS_DIR"), GatewayOptions::withKeysDir, Path::of);
    o = apply(o, env.get("SWITCHBOARD_NAMESPACE"), GatewayOptions::withNamespace, s -> s);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_MAX_BODY_BYTES"),
            GatewayOptions::withMaxBodyBytes,
            Long::parseLong);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_FILE_CHECK_MS"),
            GatewayOptions::withFileCheckIntervalMs,
            Long::parseLong);
    o =
        apply(
            o, env.get("SWITCHBOARD_ADMIN_PORT"), GatewayOptions::withAdminPort, Integer::parseInt);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_HEADER_READ_TIMEOUT_MS"),
            GatewayOptions::withHeaderReadTimeoutMs,
            Long::parseLong);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_IDLE_TIMEOUT_MS"),
            GatewayOptions::withIdleTimeoutMs,
            Long::parseLong);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_MAX_CONNECTIONS"),
            GatewayOptions::withMaxConnections,
            Integer::parseInt);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_DRAIN_DELAY_MS"),
            GatewayOptions::withDrainDelayMs,
            Long::parseLong);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_SHUTDOWN_TIMEOUT_MS"),
            GatewayOptions::withShutdownTimeoutMs,
            Long::parseLong);
    o =
        apply(
            o,
            env.get("SWITCHBOARD_TEST_CLOCK_OFFSET_FILE"),
            GatewayOptions::withTestClockOffsetFile,
            Path::of);
    ConsumerOptions c = o.consumers();
    c =
        applyTo(
            c, env.get("SWITCHBOARD_CONSUMERS_FILE"), ConsumerOptions::withConsumersFile, Path::of);
    c =
        applyTo(
            c,
            env.get("SWITCHBOARD_REQUIRE_CONSUMER_KEYS"),
            ConsumerOptions::withRequireKeys,
            GatewayMain::bool);
    c =
        applyTo(
            c,
            env.get("SWITCHBOARD_ADMIN_KEY_SHA256"),
            ConsumerOptions::withAdminKeySha256,
            GatewayMain::list);
    c = applyTo(c, env.get("SWITCHBOARD_STATE_STORE"), ConsumerOptions::withStateStore, s -> s);
    c =
        applyTo(
            c,
            env.get("SWITCHBOARD_STATE_STORE_PREFIX"),
            ConsumerOptions::withStateStorePrefix,
            s -> s);
    c =
        applyTo(
            c,
            env.get("SWITCHBOARD_STATE_STORE_PASSWORD"),
            ConsumerOptions::withStateStorePassword,
            s -> s);
    c =
        applyTo(
            c,
            env.get("SWITCHBOARD_STATE_STORE_CA_FILE"),
            ConsumerOptions::withStateStoreCaFile,
            s -> s);
    c =
        applyTo(
            c,
            env.get("SWITCHBOARD_STATE_STORE_TIMEOUT_MS"),
            ConsumerOptions::withStateStoreTimeoutMs,
            Long::parseLong);
    o = o.withConsumers(c);
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int eq = flag.indexOf('=');
      if (eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("flag " + flag + " needs a value");
      }
      try {
        o =
            switch (flag.toLowerCase(Locale.ROOT)) {
              case "--host" -> o.withHost(value);
              case "--port" -> o.withPort(Integer.parseInt(value));
              case "--routing-file" -> o.withRoutingFile(Path.of(value));
              case "--keys-dir" -> o.withKeysDir(Path.of(value));
              case "--namespace" -> o.withNamespace(value);
              case "--max-body-bytes" -> o.withMaxBodyBytes(Long.parseLong(value));
              case "--file-check-ms" -> o.withFileCheckIntervalMs(Long.parseLong(value));
              case "--admin-port" -> o.withAdminPort(Integer.parseInt(value));
              case "--header-read-timeout-ms" -> o.withHeaderReadTimeoutMs(Long.parseLong(value));
              case "--idle-timeout-ms" -> o.withIdleTimeoutMs(Long.parseLong(value));
              case "--max-connections" -> o.withMaxConnections(Integer.parseInt(value));
              case "--drain-delay-ms" -> o.withDrainDelayMs(Long.parseLong(value));
              case "--shutdown-timeout-ms" -> o.withShutdownTimeoutMs(Long.parseLong(value));
              case "--consumers-file" ->
                  o.withConsumers(o.consumers().withConsumersFile(Path.of(value)));
              case "--require-consumer-keys" ->
                  o.withConsumers(o.consumers().withRequireKeys(bool(value)));
              case "--admin-key-sha256" ->
                  o.withConsumers(o.consumers().withAdminKeySha256(list(value)));
              case "--state-store" -> o.withConsumers(o.consumers().withStateStore(value));
              case "--state-store-prefix" ->
                  o.withConsumers(o.consumers().withStateStorePrefix(value));
              case "--state-store-timeout-ms" ->
                  o.withConsumers(o.consumers().withStateStoreTimeoutMs(Long.parseLong(value)));
              case "--test-clock-offset-file" -> o.withTestClockOffsetFile(Path.of(value));
              default -> throw new IllegalArgumentException("unknown flag " + flag);
            };
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("flag " + flag + " needs a number, got '" + value + "'");
      }
    }
    return o;
  }

  private static <T> GatewayOptions apply(
      GatewayOptions o,
      String raw,
      java.util.function.BiFunction<GatewayOptions, T, GatewayOptions> with,
      Function<String, T> parse) {
    return raw == null || raw.isBlank() ? o : with.apply(o, parse.apply(raw.strip()));
  }

  private static <T> ConsumerOptions applyTo(
      ConsumerOptions o,
      String raw,
      java.util.function.BiFunction<ConsumerOptions, T, ConsumerOptions> with,
      Function<String, T> parse) {
    return raw == null || raw.isBlank() ? o : with.apply(o, parse.apply(raw.strip()));
  }

  private static java.util.List<String> list(String value) {
    return java.util.Arrays.stream(value.split(",")).filter(v -> !v.isBlank()).toList();
  }

  private static boolean bool(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException("expected true or false, got '" + value + "'");
    };
  }
}
