package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outage discipline shared by the state store and the shared cache, on a manual clock with
 * commands the test answers: deadlines, being down and coming back, refusals that leave the store
 * up, and how each failure is told.
 */
class RedisGuardTest {

  static final RuntimeException UNAVAILABLE = new StoreUnavailableException("unavailable");

  final ManualClock clock = new ManualClock();
  final AtomicInteger downs = new AtomicInteger();
  // "answers again" is INFO
  final LogCapture logged = LogCapture.of("redis-guard-test", Level.INFO);
  RedisGuard guard;

  @BeforeEach
  void start() {
    guard =
        new RedisGuard(
            clock,
            250,
            UNAVAILABLE,
            logged.logger(),
            "the test store",
            "outage policies apply",
            "that request's outage policy applies",
            downs::incrementAndGet);
    // Redis answered once: start-up is over, as in every test that does not test start-up.
    guard.run(() -> Future.succeededFuture("PONG"));
  }

  @AfterEach
  void stop() {
    logged.close();
  }

  List<String> messages() {
    return logged.messages();
  }

  @Test
  void aCommandWithoutAnAnswerFailsAtItsDeadlineAndTheStoreIsLeftAloneForASecond() {
    Promise<String> never = Promise.promise();
    Future<String> call = guard.run(never::future);
    clock.advance(249);
    assertThat(call.isComplete()).isFalse();
    clock.advance(1);
    assertThat(call.failed()).isTrue();
    assertThat(call.cause()).isSameAs(UNAVAILABLE);
    assertThat(guard.down()).isTrue();
    assertThat(downs).hasValue(1);
    assertThat(messages())
        .containsExactly(
            "the test store is unavailable (no answer within 250 ms); outage policies apply");
    // Down: calls fail at once without a command, until the second is over.
    AtomicInteger sent = new AtomicInteger();
    assertThat(guard.run(() -> Future.succeededFuture("x" + sent.incrementAndGet())).failed())
        .isTrue();
    clock.advance(RedisGuard.RETRY_AFTER_MS - 1);
    assertThat(guard.run(() -> Future.succeededFuture("x" + sent.incrementAndGet())).failed())
        .isTrue();
    assertThat(sent).hasValue(0);
    clock.advance(1);
    Future<String> again = guard.run(() -> Future.succeededFuture("x" + sent.incrementAndGet()));
    assertThat(again.result()).isEqualTo("x1");
    assertThat(guard.down()).isFalse();
    assertThat(clock.pendingTimers()).isZero();
    assertThat(messages()).last().isEqualTo("the test store answers again");
  }

  RedisGuard freshGuard() {
    return new RedisGuard(
        clock,
        250,
        UNAVAILABLE,
        logged.logger(),
        "the test store",
        "outage policies apply",
        "that request's outage policy applies",
        downs::incrementAndGet);
  }

  /**
   * The first commands of a store that never answered yet wait for its connection: one that misses
   * its deadline fails alone (a cache miss, that request's outage policy), the store is not marked
   * down, the next command is sent; once Redis answered, a missed deadline is an outage again.
   */
  @Test
  void aFirstCommandWaitingForItsConnectionIsNoOutage() {
    RedisGuard fresh = freshGuard();
    Promise<String> connecting = Promise.promise();
    Future<String> first = fresh.run(connecting::future);
    clock.advance(250);
    assertThat(first.cause()).isSameAs(UNAVAILABLE);
    assertThat(fresh.down()).isFalse();
    assertThat(downs).hasValue(0);
    AtomicInteger sent = new AtomicInteger();
    Future<String> second = fresh.run(() -> Future.succeededFuture("x" + sent.incrementAndGet()));
    assertThat(second.result()).as("sent, not failed at once").isEqualTo("x1");
    connecting.complete("late"); // changes nothing

    fresh.run(() -> Promise.<String>promise().future());
    clock.advance(250);
    assertThat(fresh.down()).as("answered once: an outage again").isTrue();
    assertThat(downs).hasValue(1);
    assertThat(messages())
        .startsWith(
            "the test store has not answered its first commands within 250 ms (still connecting at"
                + " start); those fail alone and it stays in use until it answers (for up to 5000"
                + " ms)");
  }

  /** A store that accepts commands and never answers is an outage once start-up's grace is over. */
  @Test
  void aStoreThatNeverAnswersIsAnOutageAfterTheStartUpGrace() {
    RedisGuard fresh = freshGuard();
    fresh.run(() -> Promise.<String>promise().future());
    clock.advance(RedisGuard.STARTUP_GRACE_MS - 1);
    fresh.run(() -> Promise.<String>promise().future()); // sent within the grace
    clock.advance(250);
    assertThat(fresh.down()).isFalse();
    fresh.run(() -> Promise.<String>promise().future()); // sent after it
    clock.advance(250);
    assertThat(fresh.down()).isTrue();
    assertThat(downs).hasValue(1);
  }

  /**
   * A real redis-server paused ({@code CLIENT PAUSE}) as a fresh client makes its first connection
   * and sends its first command: the command misses its deadline, but the store is not marked down
   * (it is starting, not failing); when Redis answers, commands run as usual.
   */
  @Test
  void aSlowFirstConnectionToARealRedisIsNoOutage() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (RedisProcess redis = RedisProcess.start()) {
      Redis admin = Redis.createClient(vertx, redis.uri());
      answer(admin.send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(500)));
      Redis client = Redis.createClient(vertx, redis.uri());
      RedisGuard fresh = freshGuard();

      CompletableFuture<Response> lateAnswer = new CompletableFuture<>();
      Future<Response> first =
          fresh.run(
              () -> {
                Promise<Response> relayed = Promise.promise();
                client
                    .send(Request.cmd(Command.GET).arg("an-answer"))
                    .onComplete(
                        ar -> {
                          relayed.handle(ar);
                          lateAnswer.complete(ar.result());
                        });
                return relayed.future();
              });
      clock.advance(250);
      assertThat(first.cause()).isSameAs(UNAVAILABLE);
      assertThat(fresh.down()).isFalse();
      lateAnswer.get(10, TimeUnit.SECONDS); // the pause ends

      assertThat(answer(fresh.run(() -> client.send(Request.cmd(Command.PING)))))
          .hasToString("PONG");
      assertThat(downs).hasValue(0);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLateAnswerAfterTheDeadlineChangesNothing() {
    Promise<String> late = Promise.promise();
    Future<String> call = guard.run(late::future);
    clock.advance(250);
    late.complete("too late");
    assertThat(call.cause()).isSameAs(UNAVAILABLE);
    assertThat(downs).hasValue(1);
  }

  /**
   * A real redis-server paused ({@code CLIENT PAUSE}) past a command's deadline answers it late,
   * inside the second of rest: that answer is no sign the store answers now, so the store stays
   * down, calls still fail at once without a command, and only a command sent after the rest brings
   * it back.
   */
  @Test
  void aLateAnswerFromAPausedRedisDoesNotBringTheStoreBackBeforeItsRestIsOver() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (RedisProcess redis = RedisProcess.start()) {
      Redis client = Redis.createClient(vertx, redis.uri());
      Redis admin = Redis.createClient(vertx, redis.uri());
      assertThat(answer(client.send(Request.cmd(Command.PING)))).hasToString("PONG");
      answer(admin.send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(1_000)));

      CompletableFuture<Response> lateAnswer = new CompletableFuture<>();
      Future<Response> call =
          guard.run(
              () -> {
                Promise<Response> relayed = Promise.promise();
                client
                    .send(Request.cmd(Command.PING))
                    .onComplete(
                        ar -> {
                          relayed.handle(ar); // the guard sees the answer first
                          lateAnswer.complete(ar.result());
                        });
                return relayed.future();
              });
      clock.advance(250);
      assertThat(call.cause()).isSameAs(UNAVAILABLE);
      assertThat(guard.down()).isTrue();

      // Redis's pause ends (a second of real time) and the PING is answered, late.
      assertThat(lateAnswer.get(10, TimeUnit.SECONDS)).hasToString("PONG");
      assertThat(guard.down()).as("a late answer does not bring the store back").isTrue();
      AtomicInteger sent = new AtomicInteger();
      Future<Response> resting =
          guard.run(
              () -> {
                sent.incrementAndGet();
                return client.send(Request.cmd(Command.PING));
              });
      assertThat(resting.failed()).as("still resting: fails at once").isTrue();
      assertThat(sent).as("without a command").hasValue(0);

      clock.advance(RedisGuard.RETRY_AFTER_MS);
      assertThat(answer(guard.run(() -> client.send(Request.cmd(Command.PING)))))
          .hasToString("PONG");
      assertThat(guard.down()).as("a command sent after the rest brings it back").isFalse();
      assertThat(messages()).last().isEqualTo("the test store answers again");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Something waiting for the store to come back makes the guard probe it itself when each rest is
   * over: a probe without an answer starts another rest (and another probe after it), an answered
   * probe brings the store back and completes the wait; nothing is probed once the store stops.
   */
  @Test
  void aWaitForTheStoreProbesItAfterEachRestUntilItAnswers() {
    List<Promise<String>> probes = new java.util.ArrayList<>();
    guard.probeWith(
        () -> {
          Promise<String> p = Promise.promise();
          probes.add(p);
          return p.future();
        });
    assertThat(guard.whenUp().succeeded()).as("up: at once").isTrue();
    assertThat(probes).isEmpty();

    guard.run(() -> Promise.<String>promise().future()); // no answer
    clock.advance(250);
    Future<Void> back = guard.whenUp();
    assertThat(back.isComplete()).isFalse();
    clock.advance(RedisGuard.RETRY_AFTER_MS - 1);
    assertThat(probes).as("not during the rest").isEmpty();
    clock.advance(1);
    assertThat(probes).as("when the rest is over").hasSize(1);
    clock.advance(250); // the probe gets no answer: another rest
    assertThat(back.isComplete()).isFalse();
    clock.advance(RedisGuard.RETRY_AFTER_MS);
    assertThat(probes).hasSize(2);
    probes.get(1).complete("PONG");
    assertThat(back.succeeded()).isTrue();
    assertThat(guard.down()).isFalse();
    assertThat(clock.pendingTimers()).isZero();

    guard.run(() -> Promise.<String>promise().future());
    clock.advance(250);
    guard.whenUp();
    guard.stopProbing();
    clock.advance(RedisGuard.RETRY_AFTER_MS);
    assertThat(probes).as("stopped: no more probes").hasSize(2);
  }

  /**
   * A real redis-server refuses the probe sent when the rest is over for its key ({@code
   * WRONGTYPE}: about that command, not the store): Redis answered, so the store is back and the
   * wait ends then, not a rest later (nor never, with a probe Redis always refuses so).
   */
  @Test
  void aProbeRedisRefusesForItsKeyBringsTheStoreBack() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (RedisProcess redis = RedisProcess.start()) {
      Redis client = Redis.createClient(vertx, redis.uri());
      answer(client.send(Request.cmd(Command.HSET).arg("a-hash").arg("f").arg("v")));
      AtomicInteger probes = new AtomicInteger();
      guard.probeWith(
          () -> {
            probes.incrementAndGet();
            return client.send(Request.cmd(Command.GET).arg("a-hash")); // WRONGTYPE
          });
      guard.run(() -> Promise.<String>promise().future()); // no answer: down
      clock.advance(250);
      Future<Void> back = guard.whenUp();

      clock.advance(RedisGuard.RETRY_AFTER_MS);

      assertThat(probes).hasValue(1);
      answer(back); // the refusal's answer, with no more time passing on the guard's clock
      assertThat(guard.down()).isFalse();
      assertThat(clock.pendingTimers()).as("no further probe").isZero();
      assertThat(messages())
          .anyMatch(m -> m.startsWith("Redis refused a command of the test store (WRONGTYPE"))
          .last()
          .isEqualTo("the test store answers again");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A real redis-server busy with a script answers the probe {@code BUSY}: it cannot serve any
   * command, so that is an outage like a missed deadline — another rest, and the next probe when it
   * is over, which (the script killed) brings the store back.
   */
  @Test
  void aProbeRedisRefusesAsBusyStartsAnotherRest() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (RedisProcess redis = RedisProcess.start("lua-time-limit 10")) {
      Redis client = Redis.createClient(vertx, redis.uri());
      Redis blocker = Redis.createClient(vertx, redis.uri());
      Redis admin = Redis.createClient(vertx, redis.uri());
      answer(client.send(Request.cmd(Command.PING)));
      answer(admin.send(Request.cmd(Command.PING)));
      guard.probeWith(() -> client.send(Request.cmd(Command.PING)));
      guard.run(() -> Promise.<String>promise().future()); // no answer: down
      clock.advance(250);
      assertThat(downs).hasValue(1);
      Future<Void> back = guard.whenUp();
      blocker.send(Request.cmd(Command.EVAL).arg("while true do end").arg(0));
      await().atMost(java.time.Duration.ofSeconds(10)).until(() -> reply(admin).startsWith("BUSY"));

      clock.advance(RedisGuard.RETRY_AFTER_MS); // the probe: BUSY
      await()
          .atMost(java.time.Duration.ofSeconds(10))
          .untilAtomic(downs, org.hamcrest.Matchers.is(2));
      assertThat(guard.down()).isTrue();
      assertThat(back.isComplete()).isFalse();
      assertThat(clock.nextDueInMillis()).as("the next probe, a rest later").hasValue(1_000);

      answer(admin.send(Request.cmd(Command.SCRIPT).arg("KILL")));
      await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !reply(admin).startsWith("BUSY"));
      clock.advance(RedisGuard.RETRY_AFTER_MS);
      answer(back);
      assertThat(guard.down()).isFalse();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** What Redis answers a {@code PING}: its reply or its error message. */
  static String reply(Redis redis) throws Exception {
    return redis
        .send(Request.cmd(Command.PING))
        .toCompletionStage()
        .handle((r, e) -> e == null ? String.valueOf(r) : String.valueOf(e.getMessage()))
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  static <T> T answer(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void refusedCommandsFailAloneAndAreLoggedOnceASecondWithACount() {
    for (int i = 0; i < 3; i++) {
      Future<String> refused =
          guard.run(
              () ->
                  Future.failedFuture(
                      ErrorType.create(
                          "WRONGTYPE Operation against a key holding the wrong kind of value")));
      assertThat(refused.cause()).isSameAs(UNAVAILABLE);
      assertThat(guard.down()).isFalse();
    }
    assertThat(downs).hasValue(0);
    assertThat(guard.run(() -> Future.succeededFuture("next")).result()).isEqualTo("next");
    assertThat(messages())
        .containsExactly(
            "Redis refused a command of the test store (WRONGTYPE Operation against a key holding"
                + " the wrong kind of value); that request's outage policy applies");
    clock.advance(RedisGuard.RETRY_AFTER_MS);
    guard.run(() -> Future.failedFuture(ErrorType.create("ERR user_script:3: boom")));
    assertThat(messages())
        .last()
        .isEqualTo(
            "Redis refused a command of the test store (ERR user_script:3: boom) and 2 more since"
                + " the last such line; that request's outage policy applies");
  }

  @Test
  void anErrorReplyThatRefusesEveryCommandMarksTheStoreDown() {
    Future<String> call =
        guard.run(
            () ->
                Future.failedFuture(
                    ErrorType.create("LOADING Redis is loading the dataset in memory")));
    assertThat(call.cause()).isSameAs(UNAVAILABLE);
    assertThat(guard.down()).isTrue();
    assertThat(downs).hasValue(1);
  }

  /** A script's error explained by the store wraps the reply; the reply is found along causes. */
  @Test
  void aWrappedErrorReplyIsToldByItsOwnMessage() {
    assertThat(
            RedisGuard.storeWide(
                new IllegalStateException(
                    "ERR user_script:12 [allowance.lua:40]: attempt to compare nil",
                    ErrorType.create("ERR user_script:12: attempt to compare nil"))))
        .isFalse();
    assertThat(
            RedisGuard.storeWide(
                new IllegalStateException("explained", ErrorType.create("BUSY Redis is busy"))))
        .isTrue();
  }

  /**
   * Which failures are the store's: anything but an error reply, and replies naming the server —
   * every error code but those about one command or key ({@code ERR}, {@code WRONGTYPE}, …), and
   * the {@code ERR}s that name a condition of the server.
   */
  @Test
  void errorRepliesThatNameTheServerMarkTheStoreDownAndOthersDoNot() {
    for (String storeWide :
        List.of(
            "LOADING Redis is loading the dataset in memory",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "READONLY You can't write against a read only replica.",
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            "CLUSTERDOWN The cluster is down",
            "MOVED 3999 127.0.0.1:6381",
            "NOAUTH Authentication required.",
            "ERR max number of clients reached",
            "ERR unknown command 'EVALSHA', with args beginning with: ",
            "ERR Error running script (call to f_da84): @user_script:1: @user_script: 1: -OOM command"
                + " not allowed when used memory > 'maxmemory'.",
            "OOM command not allowed when used memory > 'maxmemory'. script: da84, on"
                + " @user_script:1.",
            // A command the server does not have, called from a script (Redis 6.2's wording).
            "ERR Error running script (call to f_98ff): @user_script:1: @user_script: 1: Unknown"
                + " Redis command called from Lua script",
            // Codes no list here names (a newer Redis, a managed service): the server's, as
            // every code but those of one command or key.
            "SHUTTINGDOWN the server is shutting down",
            "NOPROTO unsupported protocol version",
            "ERR Error running script (call to f_da84): @user_script:1: @user_script: 1:"
                + " -UNAVAILABLE maintenance in progress")) {
      assertThat(RedisGuard.storeWide(ErrorType.create(storeWide))).as(storeWide).isTrue();
    }
    for (String oneCommand :
        List.of(
            "WRONGTYPE Operation against a key holding the wrong kind of value",
            "ERR Error running script (call to f_da84): @user_script:1: WRONGTYPE Operation against"
                + " a key holding the wrong kind of value",
            "ERR user_script:12: attempt to compare nil with number script: 6b1e, on"
                + " @user_script:12.",
            "ERR Error running script (call to f_89b7): @user_script:1: user_script:1: attempt to"
                + " perform arithmetic on local 'a' (a nil value)",
            "ERR Error running script (call to f_dc13): @user_script:1: ERR value is not an integer"
                + " or out of range",
            "ERR value is not an integer or out of range",
            "CROSSSLOT Keys in request don't hash to the same slot",
            "BUSYKEY Target key name already exists.")) {
      assertThat(RedisGuard.storeWide(ErrorType.create(oneCommand))).as(oneCommand).isFalse();
    }
    assertThat(RedisGuard.storeWide(new java.io.IOException("Connection reset"))).isTrue();
    assertThat(RedisGuard.storeWide(new java.net.ConnectException("refused"))).isTrue();
  }
}
