package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import one.profiler.AsyncProfilerLoader;

/**
 * Where the gateway's CPU goes with the kernel's share in it: the plain and the realistic gateway,
 * each in its own JVM with the chart's options, profiled under load by async-profiler in {@code
 * cpu} mode, which samples kernel frames too. JFR (the suite's profile, {@link StageCosts}) sees
 * only Java threads running Java code, while a third of the gateway's CPU is the kernel's work for
 * its sockets, wake-ups and log writes; this tool splits each part of the request path into user
 * and kernel time, and names the system calls the kernel time is spent in.
 *
 * <p>For each gateway: a run unprofiled (its CPU per request, user and system from {@code /proc}),
 * then one profiled. Each sample goes to a part by {@link StageCosts#partOfTypes} (its innermost
 * Switchboard frame), or to the JVM thread it ran on (GC, JIT compiler); a part's share of the
 * samples times the unprofiled CPU per request is its cost. The profiler's own cost inflates the
 * profiled run, not the shares. nginx in front of the same upstream is measured beside them for
 * reference.
 *
 * <p>{@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.CpuProfile [seconds]
 * [warm-up seconds] [concurrency]} (defaults 15, 30 and 32; the warm-up always runs at c=32, and
 * with concurrency 1 the profile shows what a lone request spends its CPU on); the stacks are kept
 * in a temporary directory it names.
 */
public final class CpuProfile {

  private static final String PLAIN = "gateway plain";
  private static final String REAL = "gateway realistic";

  private CpuProfile() {}

  public static void main(String[] args) throws Exception {
    Duration run = BenchSuite.seconds(args.length > 0 ? Double.parseDouble(args[0]) : 15);
    Duration warm = BenchSuite.seconds(args.length > 1 ? Double.parseDouble(args[1]) : 30);
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    if (!AsyncProfilerLoader.isSupported()) {
      System.err.println("async-profiler does not support this platform");
      System.exit(2);
    }
    ProxyBed bed = ProxyBed.start("switchboard-cpu-profile");
    Path dir = bed.dir;
    LoadGenerator load = bed.load;
    // Frames between safepoints, so that inlined methods are named where they ran.
    List<String> jvm = new ArrayList<>(BenchSettings.CHART_POD_JVM);
    jvm.add("-XX:+UnlockDiagnosticVMOptions");
    jvm.add("-XX:+DebugNonSafepoints");
    NginxProxy nginx = bed.nginx("nginx", false);
    Map<String, Service> jvms = new LinkedHashMap<>();
    try {
      jvms.put(PLAIN, Service.gateway(false, bed.table, jvm, dir.resolve("plain.log"), null, null));
      jvms.put(
          REAL,
          Service.gateway(false, bed.table, jvm, dir.resolve("real.log"), bed.consumers, null));
      List<HttpTarget> targets = new ArrayList<>();
      if (nginx != null) {
        targets.add(
            HttpTarget.chat(
                "nginx",
                nginx.port(),
                BenchTables.UPSTREAM_MODEL,
                false,
                BenchTables.fastHeaders()));
      }
      targets.add(
          HttpTarget.chat(PLAIN, jvms.get(PLAIN).port(), BenchTables.FAST_ROUTE, false, Map.of()));
      HttpTarget realistic = BenchTables.realisticTarget(REAL, jvms.get(REAL).port());
      BenchTables.requireCacheMiss(load, realistic);
      targets.add(realistic);
      for (HttpTarget t : targets) {
        load.run(t, 32, jvms.containsKey(t.name()) ? warm : Duration.ofSeconds(3));
      }
      Map<String, List<Long>> pids = new HashMap<>();
      jvms.forEach((name, s) -> pids.put(name, List.of(s.pid())));
      if (nginx != null) {
        pids.put("nginx", nginx.pids());
      }
      for (HttpTarget t : targets) {
        long[] before = ProcessStats.userSystemNanos(pids.get(t.name()));
        LoadResult unprofiled = load.run(t, concurrency, run);
        long[] after = ProcessStats.userSystemNanos(pids.get(t.name()));
        double n = Math.max(1, unprofiled.requests());
        double user = (after[0] - before[0]) / n;
        double system = (after[1] - before[1]) / n;
        System.out.printf(
            Locale.ROOT,
            "%n%s, c=%d: %.0f req/s, CPU per request %.1f µs (user %.1f, system %.1f)%n",
            t.name(),
            concurrency,
            unprofiled.rps(),
            (user + system) / 1e3,
            user / 1e3,
            system / 1e3);
        Service gateway = jvms.get(t.name());
        if (gateway == null) {
          continue;
        }
        Path stacks = dir.resolve(t.name().replace(' ', '-') + ".collapsed");
        profiler("start", "-e", "cpu", "-i", "1ms", "-t", Long.toString(gateway.pid()));
        load.run(t, concurrency, run);
        profiler("stop", "-o", "collapsed", "-f", stacks.toString(), Long.toString(gateway.pid()));
        Split split = Split.read(stacks);
        split.lines(user + system).forEach(System.out::println);
      }
      System.out.println("\nstacks kept in " + dir);
    } finally {
      jvms.values().forEach(Service::close);
      if (nginx != null) {
        nginx.close();
      }
      bed.close();
      for (String log : List.of("plain.log", "real.log")) {
        Files.deleteIfExists(dir.resolve(log)); // gigabytes of request lines
      }
    }
    System.exit(0);
  }

  private static void profiler(String... args) throws IOException {
    AsyncProfilerLoader.ExecutionResult result = AsyncProfilerLoader.executeProfiler(args);
    if (!result.getStderr().isBlank()) {
      System.err.println("async-profiler: " + result.getStderr().trim());
    }
  }

  /**
   * Samples of one profile by part of the request path, each split into user and kernel time, and
   * the kernel samples by the C library call that entered the kernel.
   */
  record Split(Map<String, long[]> byPart, Map<String, Long> bySystemCall, long samples) {

    /** Reads async-profiler's collapsed stacks ({@code -t}: the thread is the root frame). */
    static Split read(Path collapsed) throws IOException {
      Map<String, long[]> byPart = new HashMap<>();
      Map<String, Long> bySystemCall = new HashMap<>();
      long samples = 0;
      try (Stream<String> lines = Files.lines(collapsed)) {
        for (String line : (Iterable<String>) lines::iterator) {
          int space = line.lastIndexOf(' ');
          if (space < 0) {
            continue;
          }
          long count = Long.parseLong(line.substring(space + 1));
          String[] frames = line.substring(0, space).split(";");
          boolean inKernel = frames[frames.length - 1].endsWith("_[k]");
          samples += count;
          byPart.computeIfAbsent(part(frames), k -> new long[2])[inKernel ? 1 : 0] += count;
          if (inKernel) {
            bySystemCall.merge(systemCall(frames), count, Long::sum);
          }
        }
      }
      return new Split(byPart, bySystemCall, samples);
    }

    /** The samples taken in the kernel, of every part. */
    long kernel() {
      return byPart.values().stream().mapToLong(userKernel -> userKernel[1]).sum();
    }

    /**
     * The part a stack belongs to: for the gateway's event loops and request-log writer, the
     * request path's part ({@link StageCosts#partOfTypes}); for any other thread, its family.
     */
    static String part(String[] frames) {
      String thread = frames[0];
      if (thread.startsWith("[GC Thread") || thread.startsWith("[G1 ")) {
        return "JVM: garbage collector";
      }
      if (thread.startsWith("[C1 CompilerThre") || thread.startsWith("[C2 CompilerThre")) {
        return "JVM: JIT compiler";
      }
      if (!thread.startsWith("[vert.x-eventloop-thread") && !thread.startsWith("[switchboard-")) {
        return "JVM: other threads (VM thread, timers, blocking pool)";
      }
      List<String> types = new ArrayList<>(frames.length);
      for (int i = frames.length - 1; i > 0; i--) {
        String type = type(frames[i]);
        if (type != null) {
          types.add(type);
        }
      }
      return StageCosts.partOfTypes(types);
    }

    /**
     * The Java class of a collapsed frame ({@code pkg/Class$Inner.method}, a lambda's {@code
     * pkg/Class$$Lambda$12.0x….apply}), in {@code pkg.Class$Inner} form; null for native and kernel
     * frames.
     */
    static String type(String frame) {
      if (frame.endsWith("_[k]") || frame.indexOf('/') < 0) {
        return null;
      }
      int lambda = frame.indexOf("$$Lambda");
      int end = lambda > 0 ? lambda : frame.lastIndexOf('.');
      return end <= 0 ? null : frame.substring(0, end).replace('/', '.');
    }

    /**
     * What brought a kernel stack into the kernel: the C library function that made the system call
     * (the frame before the kernel's syscall entry), or the interrupt or fault taken instead.
     */
    static String systemCall(String[] frames) {
      for (int i = 1; i < frames.length; i++) {
        if (frames[i].endsWith("_[k]")) {
          String entry = frames[i];
          if (!entry.startsWith("entry_SYSCALL") && !entry.startsWith("do_syscall")) {
            return "interrupt or fault (" + entry.substring(0, entry.length() - 4) + ")";
          }
          return frames[i - 1];
        }
      }
      return "interrupt or fault";
    }

    /** The table: µs per request by part (user, kernel), then by system call. */
    List<String> lines(double cpuNanosPerRequest) {
      List<String> out = new ArrayList<>();
      double perSample = cpuNanosPerRequest / 1e3 / Math.max(1, samples);
      out.add(
          String.format(
              Locale.ROOT,
              "%d samples, %.0f %% in the kernel; µs per request (user, kernel):",
              samples,
              100.0 * kernel() / Math.max(1, samples)));
      // Parts under 0.2 µs per request together on one line.
      long[] rest = new long[2];
      int[] restParts = new int[1];
      byPart.entrySet().stream()
          .sorted(
              (a, b) ->
                  Long.compare(
                      b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
          .forEach(
              e -> {
                long[] v = e.getValue();
                if ((v[0] + v[1]) * perSample < 0.2) {
                  rest[0] += v[0];
                  rest[1] += v[1];
                  restParts[0]++;
                  return;
                }
                out.add(
                    String.format(
                        Locale.ROOT,
                        "  %6.2f %6.2f  %s",
                        v[0] * perSample,
                        v[1] * perSample,
                        e.getKey()));
              });
      if (restParts[0] > 0) {
        out.add(
            String.format(
                Locale.ROOT,
                "  %6.2f %6.2f  %d more parts, each under 0.2 µs",
                rest[0] * perSample,
                rest[1] * perSample,
                restParts[0]));
      }
      out.add("kernel time by the call that entered it, µs per request:");
      bySystemCall.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(8)
          .forEach(
              e ->
                  out.add(
                      String.format(
                          Locale.ROOT, "  %6.2f  %s", e.getValue() * perSample, e.getKey())));
      return out;
    }
  }
}
