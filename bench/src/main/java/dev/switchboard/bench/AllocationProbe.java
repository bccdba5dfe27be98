package dev.switchboard.bench;

import com.sun.management.ThreadMXBean;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Bytes the gateway allocates per request, exactly: the upstream (mock provider), the gateway and
 * the load generator run in this JVM; every thread's allocation counter ({@code
 * ThreadMXBean.getThreadAllocatedBytes}) is read around runs of the same requests sent directly to
 * the upstream and through the gateway, so the difference is the gateway's own allocation. Then a
 * JFR recording with every new-TLAB and outside-TLAB allocation names the gateway code that
 * allocates (stacks with a {@code dev.switchboard.gateway} frame only).
 *
 * <p>{@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.AllocationProbe
 * [requests-per-round]}. Time-independent: load on the machine changes nothing but its duration.
 */
public final class AllocationProbe {

  private AllocationProbe() {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
    // The gateway's own logging (request lines on stdout through the async appender), as deployed;
    // results go to stderr so stdout can be sent to /dev/null.
    System.setProperty("logback.configurationFile", "dev/switchboard/gateway/logback-gateway.xml");
    Vertx vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("allocation-probe");
    MockProvider mock =
        MockProvider.startBlocking(vertx, new MockProviderOptions().host("127.0.0.1").port(0));
    Path table =
        BenchTables.write(BenchTables.table(mock.port(), 4, 0, 1_000, 0), dir.resolve("r.json"));
    Path consumers = BenchTables.writeConsumers(dir.resolve("consumers.json"));
    GatewayServer plain = gateway(vertx, table, null);
    GatewayServer real = gateway(vertx, table, consumers);
    LoadGenerator load = new LoadGenerator(vertx);
    Map<String, HttpTarget> targets = new LinkedHashMap<>();
    targets.put(
        "direct",
        HttpTarget.chat(
            "direct", mock.port(), BenchTables.UPSTREAM_MODEL, false, BenchTables.fastHeaders()));
    targets.put(
        "plain", HttpTarget.chat("plain", plain.port(), BenchTables.FAST_ROUTE, false, Map.of()));
    targets.put(
        "realistic",
        HttpTarget.chat("realistic", real.port(), BenchTables.REALISTIC_ROUTE, false, Map.of())
            .withHeader("authorization", "Bearer " + BenchTables.REALISTIC_KEY)
            .withUniqueBodies());
    for (HttpTarget t : targets.values()) {
      load.run(t, 32, Duration.ofSeconds(8)); // warm-up: compiled code allocates differently
    }
    Map<String, List<Double>> perRequest = new LinkedHashMap<>();
    for (int round = 0; round < 3; round++) {
      for (HttpTarget t : targets.values()) {
        long before = allocatedByAllThreads();
        long sent = runCount(load, t, requests);
        long after = allocatedByAllThreads();
        perRequest
            .computeIfAbsent(t.name(), k -> new ArrayList<>())
            .add((after - before) / (double) sent);
      }
    }
    double direct = median(perRequest.get("direct"));
    System.err.printf(Locale.ROOT, "direct (load generator + upstream): %.0f B/request%n", direct);
    for (String name : List.of("plain", "realistic")) {
      System.err.printf(
          Locale.ROOT,
          "gateway %s: %.0f B/request allocated by the gateway (rounds %s, minus direct)%n",
          name,
          median(perRequest.get(name)) - direct,
          perRequest.get(name));
    }
    for (String name : List.of("plain", "realistic")) {
      sites(load, targets.get(name), requests / 2, dir.resolve(name + ".jfr"));
    }
    Futures.await(plain.close(), 10);
    Futures.await(real.close(), 10);
    mock.close();
    Futures.await(vertx.close(), 10);
  }

  /** Sends requests at c=32 until at least {@code count} finished; returns how many were sent. */
  private static long runCount(LoadGenerator load, HttpTarget target, int count) {
    long sent = 0;
    while (sent < count) {
      LoadResult r = load.run(target, 32, Duration.ofMillis(500));
      if (r.errors() > 0) {
        throw new IllegalStateException(target.name() + ": " + r.firstError());
      }
      sent += r.requests();
    }
    return sent;
  }

  private static void sites(LoadGenerator load, HttpTarget target, int count, Path file)
      throws Exception {
    Map<String, Long> bytes = new HashMap<>();
    long total = 0;
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
      recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
      recording.start();
      runCount(load, target, count);
      recording.stop();
      recording.dump(file);
    }
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (e.getStackTrace() == null) {
        continue;
      }
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (frames.stream().noneMatch(f -> type(f).startsWith("dev.switchboard.gateway"))) {
        continue;
      }
      // In a new TLAB the event stands for the whole TLAB's worth of allocation around it.
      long weight =
          e.getEventType().getName().endsWith("InNewTLAB")
              ? e.getLong("tlabSize")
              : e.getLong("allocationSize");
      total += weight;
      bytes.merge(site(frames), weight, Long::sum);
    }
    System.err.printf(Locale.ROOT, "%nallocation sites, gateway %s:%n", target.name());
    long sum = total;
    bytes.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(30)
        .forEach(
            s ->
                System.err.printf(
                    Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * s.getValue() / sum, s.getKey()));
  }

  /** The allocating frame and the nearest Switchboard frame that led to it. */
  private static String site(List<RecordedFrame> frames) {
    String leaf = type(frames.get(0)) + "." + frames.get(0).getMethod().getName();
    for (RecordedFrame f : frames) {
      String t = type(f);
      if (t.startsWith("dev.switchboard.")) {
        String ours = t + "." + f.getMethod().getName() + ":" + f.getLineNumber();
        return ours.equals(leaf) ? ours : leaf + " ← " + ours;
      }
    }
    return leaf;
  }

  private static String type(RecordedFrame f) {
    String t = f.getMethod().getType().getName();
    int lambda = t.indexOf("$$Lambda");
    return lambda > 0 ? t.substring(0, lambda) : t;
  }

  private static long allocatedByAllThreads() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] ids = threads.getAllThreadIds();
    long sum = 0;
    for (long b : threads.getThreadAllocatedBytes(ids)) {
      if (b > 0) {
        sum += b;
      }
    }
    return sum;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static GatewayServer gateway(Vertx vertx, Path table, Path consumers) throws Exception {
    GatewayServer server =
        Futures.await(
            GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withRoutingFile(table)
                    .withKeysDir(null)
                    .withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers))),
            30);
    while (server.routingState().current().isEmpty()) {
      Thread.sleep(20);
    }
    return server;
  }
}
