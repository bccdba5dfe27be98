package dev.switchboard.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load generator on Vert.x: {@code concurrency} workers each keep one request in
 * flight on a pool bounded to {@code concurrency} keep-alive connections, so the generator costs
 * one event-loop callback per request and never queues work it cannot send.
 */
public final class LoadGenerator {

  /** Idle time after which a request counts as failed (a stalled upstream must not hang a run). */
  private static final long REQUEST_IDLE_TIMEOUT_MS = 60_000;

  private final Vertx vertx;

  /** A generator sending from {@code vertx}'s event loops (one context per worker). */
  public LoadGenerator(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Keeps {@code concurrency} non-streaming requests in flight for {@code duration}. */
  public LoadResult run(HttpTarget target, int concurrency, Duration duration) {
    HttpClientAgent client = client(concurrency);
    try {
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      CountDownLatch done = new CountDownLatch(concurrency);
      AtomicLong lastEnd = new AtomicLong(start);
      RequestWorker[] workers = new RequestWorker[concurrency];
      for (int i = 0; i < concurrency; i++) {
        Context context = vertx.getOrCreateContext();
        RequestWorker worker = new RequestWorker(client, target, context, deadline, done, lastEnd);
        workers[i] = worker;
        context.runOnContext(v -> worker.next());
      }
      await(done, duration.plusMillis(REQUEST_IDLE_TIMEOUT_MS * 2));
      LatencySamples all = new LatencySamples();
      long requests = 0;
      long errors = 0;
      String firstError = null;
      for (RequestWorker w : workers) {
        all.addAll(w.samples);
        requests += w.requests;
        errors += w.errors;
        firstError = firstError == null ? w.firstError : firstError;
      }
      double elapsed = (lastEnd.get() - start) / 1e9;
      return new LoadResult(target.name(), concurrency, requests, errors, elapsed, all, firstError);
    } finally {
      Futures.await(client.close(), 10);
    }
  }

  /**
   * Keeps {@code concurrency} streams in flight for {@code duration}; with a zero duration every
   * worker runs exactly one stream (all started together: "N streams held at once").
   *
   * @param expectedEvents SSE events a complete stream delivers
   * @param stallMs a gap between two events longer than this is a stall
   */
  public StreamResult runStreams(
      HttpTarget target, int concurrency, Duration duration, int expectedEvents, long stallMs) {
    return runStreams(target, concurrency, duration, expectedEvents, stallMs, Duration.ZERO);
  }

  /**
   * As {@link #runStreams(HttpTarget, int, Duration, int, long)}, with the workers' first streams
   * spread evenly over {@code spread}. Streams of equal length started together stay in lockstep
   * (all end, and start again, within the same millisecond), so every stream start would queue
   * behind the other {@code concurrency - 1}; spreading them over one stream's length gives a
   * steady arrival rate with {@code concurrency} streams in flight, as independent clients do.
   * Streams started during the spread are measured like the others.
   */
  public StreamResult runStreams(
      HttpTarget target,
      int concurrency,
      Duration duration,
      int expectedEvents,
      long stallMs,
      Duration spread) {
    HttpClientAgent client = client(concurrency);
    try {
      long start = System.nanoTime();
      boolean oneShot = duration.isZero();
      long deadline = start + duration.toNanos();
      CountDownLatch done = new CountDownLatch(concurrency);
      StreamWorker[] workers = new StreamWorker[concurrency];
      for (int i = 0; i < concurrency; i++) {
        Context context = vertx.getOrCreateContext();
        StreamWorker worker =
            new StreamWorker(
                client, target, context, oneShot, deadline, done, expectedEvents, stallMs);
        workers[i] = worker;
        long delayMs = spread.toMillis() * i / concurrency;
        if (delayMs > 0) {
          vertx.setTimer(delayMs, id -> context.runOnContext(v -> worker.next()));
        } else {
          context.runOnContext(v -> worker.next());
        }
      }
      await(done, duration.plusMillis(REQUEST_IDLE_TIMEOUT_MS * 2));
      LatencySamples ttft = new LatencySamples();
      LatencySamples gaps = new LatencySamples();
      LatencySamples totals = new LatencySamples();
      long streams = 0;
      long complete = 0;
      long stalled = 0;
      String firstError = null;
      for (StreamWorker w : workers) {
        ttft.addAll(w.ttft);
        gaps.addAll(w.gaps);
        totals.addAll(w.totals);
        streams += w.streams;
        complete += w.complete;
        stalled += w.stalled;
        firstError = firstError == null ? w.firstError : firstError;
      }
      return new StreamResult(
          target.name(), streams, complete, stalled, ttft, gaps, totals, firstError);
    } finally {
      Futures.await(client.close(), 10);
    }
  }

  /**
   * Sends one request to {@code target} and returns the answer's status line and headers, to check
   * before a run that a target does what its column claims (e.g. that an exact cache misses).
   */
  public HttpClientResponse probe(HttpTarget target) {
    HttpClientAgent client = client(1);
    try {
      return Futures.await(
          client
              .request(requestOptions(target))
              .compose(req -> req.send(target.nextBody()))
              .compose(res -> res.body().map(body -> res)),
          30);
    } finally {
      Futures.await(client.close(), 10);
    }
  }

  private HttpClientAgent client(int poolSize) {
    return vertx.createHttpClient(
        new HttpClientOptions()
            .setKeepAlive(true)
            .setTcpNoDelay(true)
            .setDecompressionSupported(false)
            .setName("bench-load"),
        new PoolOptions().setHttp1MaxSize(poolSize));
  }

  private static RequestOptions requestOptions(HttpTarget target) {
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost("127.0.0.1")
        .setPort(target.port())
        .setURI(target.path())
        .setHeaders(target.headers())
        .setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS);
  }

  private static void await(CountDownLatch latch, Duration limit) {
    try {
      if (!latch.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("load run did not finish within " + limit);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a load run", e);
    }
  }

  private static String describe(Throwable error) {
    return error.getClass().getSimpleName() + ": " + error.getMessage();
  }

  /** One closed-loop sender; its fields are only touched from its own context. */
  private static final class RequestWorker {
    private final HttpClientAgent client;
    private final HttpTarget target;
    private final RequestOptions options;
    private final Context context;
    private final long deadline;
    private final CountDownLatch done;
    private final AtomicLong lastEnd;
    final LatencySamples samples = new LatencySamples();
    long requests;
    long errors;
    String firstError;

    RequestWorker(
        HttpClientAgent client,
        HttpTarget target,
        Context context,
        long deadline,
        CountDownLatch done,
        AtomicLong lastEnd) {
      this.client = client;
      this.target = target;
      this.options = requestOptions(target);
      this.context = context;
      this.deadline = deadline;
      this.done = done;
      this.lastEnd = lastEnd;
    }

    void next() {
      long start = System.nanoTime();
      if (start >= deadline) {
        lastEnd.accumulateAndGet(start, Math::max);
        done.countDown();
        return;
      }
      client
          .request(options)
          .compose(req -> req.send(target.nextBody()))
          .compose(resp -> resp.body().map(body -> resp.statusCode()))
          .onComplete(
              ar -> {
                long end = System.nanoTime();
                requests++;
                if (ar.succeeded() && ar.result() == 200) {
                  samples.add(end - start);
                  next();
                } else {
                  errors++;
                  if (firstError == null) {
                    firstError = ar.succeeded() ? "HTTP " + ar.result() : describe(ar.cause());
                  }
                  // A failure may complete synchronously: go through the context, not the stack.
                  context.runOnContext(v -> next());
                }
              });
    }
  }

  /** One stream at a time: times the first event and every gap between events. */
  private static final class StreamWorker {
    private final HttpClientAgent client;
    private final HttpTarget target;
    private final RequestOptions options;
    private final Context context;
    private final boolean oneShot;
    private final long deadline;
    private final CountDownLatch done;
    private final int expectedEvents;
    private final long stallNanos;
    final LatencySamples ttft = new LatencySamples();
    final LatencySamples gaps = new LatencySamples();
    final LatencySamples totals = new LatencySamples();
    long streams;
    long complete;
    long stalled;
    String firstError;

    StreamWorker(
        HttpClientAgent client,
        HttpTarget target,
        Context context,
        boolean oneShot,
        long deadline,
        CountDownLatch done,
        int expectedEvents,
        long stallMs) {
      this.client = client;
      this.target = target;
      this.options = requestOptions(target);
      this.context = context;
      this.oneShot = oneShot;
      this.deadline = deadline;
      this.done = done;
      this.expectedEvents = expectedEvents;
      this.stallNanos = stallMs * 1_000_000;
    }

    void next() {
      long start = System.nanoTime();
      if (oneShot ? streams > 0 : start >= deadline) {
        done.countDown();
        return;
      }
      streams++;
      SseCounter counter = new SseCounter(start);
      Future<HttpClientResponse> response =
          client.request(options).compose(req -> req.send(target.nextBody()));
      response.onComplete(
          ar -> {
            if (ar.failed()) {
              fail(describe(ar.cause()));
              return;
            }
            HttpClientResponse resp = ar.result();
            if (resp.statusCode() != 200) {
              resp.body().onComplete(b -> fail("HTTP " + resp.statusCode()));
              return;
            }
            resp.handler(counter::onData);
            resp.exceptionHandler(err -> fail(describe(err)));
            resp.endHandler(v -> finish(counter));
          });
    }

    private void finish(SseCounter counter) {
      if (counter.events >= expectedEvents) {
        complete++;
        totals.add(System.nanoTime() - counter.start);
      } else if (firstError == null) {
        firstError = "stream ended after " + counter.events + " events";
      }
      if (counter.maxGap > stallNanos) {
        stalled++;
      }
      context.runOnContext(v -> next());
    }

    private void fail(String error) {
      if (firstError == null) {
        firstError = error;
      }
      context.runOnContext(v -> next());
    }

    /** Counts SSE events (blank-line terminated) as bytes arrive, across buffer boundaries. */
    private final class SseCounter {
      final long start;
      int events;
      long lastEvent;
      long maxGap;
      boolean afterNewline;

      SseCounter(long start) {
        this.start = start;
      }

      void onData(Buffer data) {
        long now = System.nanoTime();
        int length = data.length();
        for (int i = 0; i < length; i++) {
          byte b = data.getByte(i);
          if (b == '\r') {
            continue;
          }
          if (b != '\n') {
            afterNewline = false;
          } else if (!afterNewline) {
            afterNewline = true;
          } else {
            afterNewline = false;
            event(now);
          }
        }
      }

      private void event(long now) {
        events++;
        if (events == 1) {
          ttft.add(now - start);
        } else {
          long gap = now - lastEvent;
          gaps.add(gap);
          maxGap = Math.max(maxGap, gap);
        }
        lastEvent = now;
      }
    }
  }
}
