package dev.switchboard.gateway.state;

import dev.switchboard.gateway.time.GatewayClock;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts in one Redis that every gateway replica shares (Vert.x's non-blocking Redis client, on the
 * event loop). Each operation is one Lua script run by {@code EVALSHA}, so a check and its update
 * are atomic across replicas. A consumer's admissions are decided from a small allowance this
 * replica holds of its limits, or in one script run with its other waiting requests, each as if it
 * came alone ({@link ConsumerAllowances}); settlements are counted here and reported with the
 * consumer's next run. All keys of one consumer share a hash tag, so the scripts also run on a
 * Redis Cluster.
 *
 * <p>Availability: every command has a deadline ({@value #DEFAULT_COMMAND_TIMEOUT_MS} ms unless
 * configured, {@code --state-store-timeout-ms}); a failure of the store (no answer in time, a lost
 * connection, an error reply such as {@code OOM} or {@code LOADING} that refuses every command)
 * marks it unavailable for {@value RedisGuard#RETRY_AFTER_MS} ms, during which calls fail at once
 * with {@link StoreUnavailableException} (nothing waits on a dead Redis), and the first call after
 * that tries again — so the gateway recovers by itself when Redis is back. An error reply about one
 * command (a key of the wrong type, a script error) fails that call only, with the same exception.
 * The discipline is {@link RedisGuard}'s, which the shared cache follows too.
 */
public final class RedisStateStore implements StateStore {

  private static final Logger LOG = LoggerFactory.getLogger(RedisStateStore.class);

  /**
   * The longest a request waits for the store unless configured: Redis in the cluster answers in
   * about a millisecond, and a request should not wait much longer for a limit check than for
   * routing. A store whose latency spikes past it (a fork for a snapshot, a failover) may warrant
   * more: each spike marks the store down for {@link RedisGuard#RETRY_AFTER_MS} ms.
   */
  public static final long DEFAULT_COMMAND_TIMEOUT_MS = 250;

  private final Redis redis;
  private final GatewayClock clock;
  private final String prefix;

  /** Further scripts by resource name (leases, usage counters), loaded on first use. */
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();

  /** Consumer admissions and settlements, with this replica's allowances. */
  private final ConsumerAllowances allowances;

  /**
   * How often counts kept on this replica meanwhile are reported: consumer allowances' spend,
   * tokens and surplus, and whatever else registered {@link #onReport}.
   */
  public static final long REPORT_MS = 50;

  /** Reports of other gateway state counted locally between runs (e.g. client rate limits). */
  private final List<Function<Boolean, Future<Void>>> reporters = new CopyOnWriteArrayList<>();

  private final Vertx vertx;
  private final long reportTimer;

  private static final StoreUnavailableException UNAVAILABLE =
      new StoreUnavailableException("the shared state store is unavailable");

  /** A command not sent because the store is marked down: nothing of it ran in Redis. */
  private static final StoreUnavailableException UNSENT =
      new StoreUnavailableException("the shared state store is unavailable", true);

  /**
   * One connection per event loop, made from that loop and kept: a command goes out and its answer
   * comes back on the loop of the request that sent it, many commands in flight at once (Redis
   * pipelining). Through the pool every command took a connection that lived on some loop, and the
   * answer hopped to the request's loop — with several round trips per request the hops made most
   * of the store's cost and piled the Redis I/O onto one loop. A connection that fails or closes is
   * dropped and the next command on that loop makes a new one.
   */
  private final Map<EventLoop, Future<RedisConnection>> loopConnections = new ConcurrentHashMap<>();

  /** Deadlines, outages and refused commands (see the class). */
  private final RedisGuard guard;

  /**
   * The deadline of the spend report's reads ({@link #spends}), apart from {@link #guard}: the
   * operator's poll is no request, so its failure leaves the store in use.
   */
  private final RedisGuard reportGuard;

  /**
   * How long a spend report's read may take at least: it waits behind the requests' commands on the
   * same connection and nobody's request waits for it.
   */
  static final long REPORT_READ_TIMEOUT_MS = 2_000;

  /**
   * @param uri {@code redis://host:port[/db]} or {@code rediss://…} for TLS (never logged: it may
   *     hold a password)
   * @param password the password (null: none, or the one in the URI)
   * @param caFile a PEM CA bundle to trust for TLS (null: the JVM's trust store)
   * @param prefix put in front of every key (several gateways may share one Redis)
   */
  public RedisStateStore(
      Vertx vertx, GatewayClock clock, String uri, String password, String caFile, String prefix) {
    this(vertx, clock, uri, password, caFile, prefix, DEFAULT_COMMAND_TIMEOUT_MS);
  }

  /**
   * As the constructor above, with {@code commandTimeoutMs} as every command's deadline (and the
   * connect timeout).
   */
  public RedisStateStore(
      Vertx vertx,
      GatewayClock clock,
      String uri,
      String password,
      String caFile,
      String prefix,
      long commandTimeoutMs) {
    if (commandTimeoutMs < 1) {
      throw new IllegalArgumentException("the state store's command timeout must be at least 1 ms");
    }
    RedisOptions options =
        new RedisOptions().setConnectionString(uri).setMaxPoolSize(16).setMaxPoolWaiting(2048);
    if (password != null && !password.isEmpty()) {
      options.setPassword(password);
    }
    options
        .getNetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, commandTimeoutMs))
        .setTcpNoDelay(true);
    if (caFile != null && !caFile.isBlank()) {
      options.getNetClientOptions().setTrustOptions(new PemTrustOptions().addCertPath(caFile));
    }
    this.redis = Redis.createClient(vertx, options);
    this.clock = clock;
    this.guard =
        new RedisGuard(
            clock,
            commandTimeoutMs,
            UNAVAILABLE,
            UNSENT,
            LOG,
            "the shared state store",
            "outage policies apply",
            "that request's outage policy applies, the store stays in use",
            () -> {
              // A connection that stopped answering may never say so: the next command connects
              // afresh.
              loopConnections.values().forEach(c -> c.onSuccess(RedisConnection::close));
              loopConnections.clear();
            });
    // Whoever waits for the store to come back (whenAvailable) is told as soon as it answers.
    guard.probeWith(() -> sendOnLoop(Request.cmd(Command.PING)));
    this.reportGuard =
        new RedisGuard(
            clock,
            Math.max(commandTimeoutMs, REPORT_READ_TIMEOUT_MS),
            UNAVAILABLE,
            UNSENT,
            LOG,
            "the shared state store's spend report",
            "spend reports fail, requests still use the store",
            "the spend report fails",
            () -> {});
    this.prefix = prefix;
    this.allowances = new ConsumerAllowances(this);
    this.vertx = vertx;
    onReport(allowances::flush);
    // Housekeeping on the event loops' own timer: when reports go out is not business time (every
    // count and bucket refill uses the gateway clock's readings carried by the calls).
    this.reportTimer = vertx.setPeriodic(REPORT_MS, id -> report(false));
  }

  /**
   * Registers {@code report}: called every {@link #REPORT_MS} ms with {@code false}, and once more
   * with {@code true} when the store closes (send everything, give back whatever is held), to send
   * what a component counted locally since; it returns when that is sent or failed.
   */
  public void onReport(Function<Boolean, Future<Void>> report) {
    reporters.add(report);
  }

  private Future<Void> report(boolean everything) {
    List<Future<Void>> sent = new ArrayList<>(reporters.size());
    for (Function<Boolean, Future<Void>> r : reporters) {
      sent.add(r.apply(everything));
    }
    return Future.join(sent).otherwiseEmpty().mapEmpty();
  }

  @Override
  public Future<Admission> admit(AdmitCall call) {
    return allowances.admit(call);
  }

  @Override
  public Future<Void> settle(SettleCall call) {
    allowances.settle(call); // local; reported with the consumer's next script run
    return Future.succeededFuture();
  }

  @Override
  public void addOutageUsage(AdmitCall admitted, long costNanoUsd, long tokens) {
    allowances.addOutageUsage(admitted, costNanoUsd, tokens); // reported with the next run
  }

  @Override
  public Future<Spend> spend(String consumer, String day, String month) {
    String base = base(consumer);
    String dayKey = base + "spent:d:" + day;
    String monthKey = base + "spent:m:" + month;
    // What this replica settled in the last moments goes to Redis first.
    return allowances
        .report(consumer)
        .compose(
            v -> guard.run(() -> sendOnLoop(Request.cmd(Command.MGET).arg(dayKey).arg(monthKey))))
        // A counter Redis lost (restarted empty) reads as at least what this replica last saw,
        // until the consumer's next run reseeds it.
        .map(r -> allowances.atLeastSeen(base, day, month, orZero(r.get(0)), orZero(r.get(1))));
  }

  /**
   * Consumers whose spend one {@code MGET} reads ({@link #spends}): two keys each, so a report of
   * 10,000 consumers is 20 commands of 1,000 keys, sent one after the other, never thousands in one
   * turn of the event loop.
   */
  static final int SPEND_READ_BATCH = 500;

  @Override
  public Future<List<Spend>> spends(List<String> consumers, String day, String month) {
    // What this replica settled in the last moments goes to Redis first (one pass over its groups).
    return allowances
        .report(new java.util.HashSet<>(consumers))
        .compose(v -> readSpends(consumers, day, month, 0, new ArrayList<>(consumers.size())));
  }

  /** Reads the spends of {@code consumers} from {@code from} on, a batch per command. */
  private Future<List<Spend>> readSpends(
      List<String> consumers, String day, String month, int from, List<Spend> into) {
    if (from >= consumers.size()) {
      return Future.succeededFuture(into);
    }
    int to = Math.min(from + SPEND_READ_BATCH, consumers.size());
    Request mget = Request.cmd(Command.MGET);
    for (int i = from; i < to; i++) {
      String base = base(consumers.get(i));
      mget.arg(base + "spent:d:" + day).arg(base + "spent:m:" + month);
    }
    // An admin read under its own guard: a slow answer to it fails the report, it does not mark
    // the store down for the requests (whose outage policies would apply for a second).
    return reportGuard
        .run(() -> sendOnLoop(mget))
        .compose(
            r -> {
              for (int i = from; i < to; i++) {
                int at = 2 * (i - from);
                into.add(
                    allowances.atLeastSeen(
                        base(consumers.get(i)),
                        day,
                        month,
                        orZero(r.get(at)),
                        orZero(r.get(at + 1))));
              }
              return readSpends(consumers, day, month, to, into);
            });
  }

  /**
   * Connects and loads the scripts without the per-command deadline, so the first requests do not
   * pay for the connection and a cold JIT (the gateway starts it without waiting for it).
   */
  public Future<Void> warmUp() {
    Future<Void> loaded = Future.succeededFuture();
    for (String name : WARM_SCRIPTS) {
      loaded =
          loaded.compose(
              v ->
                  redis
                      .send(
                          Request.cmd(Command.SCRIPT)
                              .arg("LOAD")
                              .arg(scripts.computeIfAbsent(name, Script::load).text))
                      .mapEmpty());
    }
    return loaded;
  }

  /** The scripts a request may run, loaded by {@link #warmUp()} one after the other. */
  private static final List<String> WARM_SCRIPTS =
      List.of("allowance.lua", "lease.lua", "quota.lua", "client_rate_admit.lua");

  /**
   * The connection, for other shared data of the gateway (the shared response cache) that keeps its
   * own deadlines and outage handling.
   */
  public Redis client() {
    return redis;
  }

  /**
   * Runs one of the store's Lua scripts ({@code name} is a resource beside this class) with the
   * store's deadline and outage handling, by SHA (a Redis that does not know it yet, or forgot it
   * in a restart, gets it once with {@code EVAL}); keys must already carry {@link #prefix()}. A
   * script's {@code --#include} lines are replaced by the fragments they name ({@link #compose}).
   */
  public Future<Response> runScript(String name, List<String> keys, List<String> args) {
    return run(scripts.computeIfAbsent(name, Script::load), keys, args);
  }

  /**
   * The gateway clock the store counts by (its deadlines, and when a replica's allowances have
   * idled long enough to be given back).
   */
  public GatewayClock clock() {
    return clock;
  }

  /** What every key of this store starts with. */
  String prefix() {
    return prefix;
  }

  @Override
  public boolean shared() {
    return true;
  }

  /** Whether the last command failed and the store is being left alone for a moment. */
  public boolean unavailable() {
    return guard.down();
  }

  /**
   * Completes when the store answers: at once unless it is marked down; otherwise as soon as a
   * command sent after its rest is answered (the store sends a {@code PING} itself when the rest is
   * over, and again after each further rest, while something waits).
   */
  public Future<Void> whenAvailable() {
    return guard.whenUp();
  }

  @Override
  public Future<Void> close() {
    // Settled spend still unreported, held allowances and other local counts go first (bounded by
    // the deadline).
    vertx.cancelTimer(reportTimer);
    guard.stopProbing();
    return report(true)
        .compose(
            v -> {
              long unreported = allowances.unreportedSpendNanoUsd();
              if (unreported > 0) {
                // Spend of requests served during an outage (or whose report got no answer) that
                // Redis never confirmed: the shared budgets will not count it.
                LOG.warn(
                    "{} USD of consumer spend could not be reported to the shared state store"
                        + " before shutdown; the shared spend and budgets do not include it",
                    Spend.toUsd(unreported));
              }
              loopConnections.values().forEach(c -> c.onSuccess(RedisConnection::close));
              loopConnections.clear();
              return redis.close();
            });
  }

  /** Sends {@code command} on the current event loop's own connection (see loopConnections). */
  private Future<Response> sendOnLoop(Request command) {
    Context context = Vertx.currentContext();
    if (!(context instanceof ContextInternal internal) || !context.isEventLoopContext()) {
      return redis.send(command); // not on an event loop (a worker, a test thread): the pool
    }
    EventLoop loop = internal.nettyEventLoop();
    Future<RedisConnection> connection = loopConnections.get(loop);
    if (connection == null) {
      connection = connect(loop);
    }
    if (connection.isComplete()) {
      return connection.succeeded()
          ? connection.result().send(command)
          : Future.failedFuture(connection.cause());
    }
    return connection.compose(c -> c.send(command));
  }

  private Future<RedisConnection> connect(EventLoop loop) {
    Future<RedisConnection> connection = redis.connect();
    loopConnections.put(loop, connection);
    connection.onComplete(
        ar -> {
          if (ar.failed()) {
            loopConnections.remove(loop, connection);
            return;
          }
          RedisConnection c = ar.result();
          c.exceptionHandler(
              err -> {
                loopConnections.remove(loop, connection);
                c.close();
              });
          c.endHandler(v -> loopConnections.remove(loop, connection));
        });
    return connection;
  }

  /**
   * Sends one plain command under the store's outage discipline (deadline, fail fast while down),
   * for other gateway state kept in the same Redis (e.g. where Responses API ids live).
   */
  public Future<Response> send(Request command) {
    return guard.run(() -> sendOnLoop(command));
  }

  /** {@code suffix} under this gateway's key prefix. */
  public String key(String suffix) {
    return prefix + suffix;
  }

  String base(String consumer) {
    // The hash tag keeps every key of one consumer in one cluster slot (scripts need that).
    return prefix + "{" + consumer + "}:";
  }

  /** Admitted consumer requests this replica has not settled yet (for tests). */
  int openReservations() {
    return allowances.openReservations();
  }

  /** Requests this replica holds of its consumers' request limits (for tests). */
  long heldRequests() {
    return allowances.heldRequests();
  }

  /** The gateway clock's wall time. */
  long nowMs() {
    return clock.currentTimeMillis();
  }

  static String bucketKey(String base, int index, String kind, long perMinute) {
    return base + "rate:" + index + ":" + kind + ":" + perMinute;
  }

  private Future<Response> run(Script script, List<String> keys, List<String> args) {
    Request evalsha = Request.cmd(Command.EVALSHA).arg(script.sha).arg(keys.size());
    keys.forEach(evalsha::arg);
    args.forEach(evalsha::arg);
    return guard.run(
        () ->
            sendOnLoop(evalsha)
                .recover(
                    err -> {
                      if (err.getMessage() == null || !err.getMessage().startsWith("NOSCRIPT")) {
                        return Future.failedFuture(err);
                      }
                      // First use on this Redis (or after a restart): EVAL also caches the script.
                      Request eval = Request.cmd(Command.EVAL).arg(script.text).arg(keys.size());
                      keys.forEach(eval::arg);
                      args.forEach(eval::arg);
                      return sendOnLoop(eval);
                    })
                .recover(err -> Future.failedFuture(script.explained(err))));
  }

  private static long orZero(Response r) {
    return r == null ? 0 : r.toLong();
  }

  /**
   * A line of a script that stands for a shared fragment beside it (e.g. {@code --#include
   * token_buckets.lua}): Redis scripts cannot include one another, so the fragment's text replaces
   * the line when the script is loaded, and the SHA is that of the composed text.
   */
  private static final Pattern INCLUDE = Pattern.compile("(?m)^--#include (\\S+)$");

  /**
   * A script's text as it runs, with its fragments in place, and where each of its lines comes from
   * as {@code file:line}: Redis reports a script's errors by line of the text it ran ({@code
   * user_script:N}), which after a fragment is not the line of the file.
   */
  record Composed(String text, List<String> origins) {}

  /** {@code name} composed: each include line replaced by its fragment (one level). */
  static Composed compose(String name) {
    StringBuilder text = new StringBuilder();
    List<String> origins = new ArrayList<>();
    String[] lines = resource(name).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        text.append('\n');
      }
      Matcher include = INCLUDE.matcher(lines[i]);
      if (include.matches()) {
        String fragment = resource(include.group(1)).stripTrailing();
        text.append(fragment);
        int count = fragment.split("\n", -1).length;
        for (int j = 1; j <= count; j++) {
          origins.add(include.group(1) + ":" + j + " (included at " + name + ":" + (i + 1) + ")");
        }
      } else {
        text.append(lines[i]);
        origins.add(name + ":" + (i + 1));
      }
    }
    return new Composed(text.toString(), List.copyOf(origins));
  }

  private static String resource(String name) {
    try (InputStream in = RedisStateStore.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("script " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code user_script:N} in a Redis error: line N of the script text that ran. */
  private static final Pattern SCRIPT_LINE = Pattern.compile("user_script:(\\d+)");

  /**
   * {@code message} with each {@code user_script:N} followed by the file and line it stands for
   * ({@link Composed#origins}); unchanged where N is not a line of the script.
   */
  static String explainScriptError(String message, List<String> origins) {
    return SCRIPT_LINE
        .matcher(message)
        .replaceAll(
            m -> {
              int line = Integer.parseInt(m.group(1));
              String at =
                  line >= 1 && line <= origins.size() ? " [" + origins.get(line - 1) + "]" : "";
              return Matcher.quoteReplacement(m.group() + at);
            });
  }

  /** A Lua script shipped as a resource, with its SHA-1 for {@code EVALSHA}. */
  private record Script(String text, String sha, List<String> origins) {
    static Script load(String name) {
      Composed composed = compose(name);
      try {
        return new Script(
            composed.text(),
            HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-1")
                        .digest(composed.text().getBytes(StandardCharsets.UTF_8))),
            composed.origins());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is part of every JRE", e);
      }
    }

    /**
     * A failure of this script with its error's script lines told as file lines (the operator's log
     * says where in which .lua file); other failures as they are.
     */
    Throwable explained(Throwable failure) {
      String message = failure.getMessage();
      if (message == null || !message.contains("user_script:")) {
        return failure;
      }
      return new ScriptError(explainScriptError(message, origins), failure);
    }
  }

  /** Redis's error reply to a script, with its lines told as lines of their files. */
  private static final class ScriptError extends RuntimeException {
    ScriptError(String message, Throwable reply) {
      super(message, reply);
    }
  }
}
