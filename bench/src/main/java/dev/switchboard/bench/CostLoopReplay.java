package dev.switchboard.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.strategy.AttemptPlanner;
import dev.switchboard.gateway.stats.LiveStats;
import dev.switchboard.gateway.upstream.Operation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The cost-observation loop replayed in simulated time (issue #16): a 24-hour trace of requests of
 * three task classes against three simulated providers with different prices, a DeepSeek-style
 * off-peak half price, different latency profiles, and one provider that degrades for two hours.
 * The real gateway classes decide — {@link RoutingSnapshot} (rules on the {@code metadata} field),
 * {@link AttemptPlanner} with its strategies, {@link LiveStats} (its routing figures refreshed
 * every simulated second), {@code PriceSchedule} and {@link Pricing} (what each answer costs),
 * {@link RequestNeeds} (capability parity, as the failover walk applies it) — on a simulated clock:
 * no sleeping, no HTTP. The same trace runs once with {@code cost-latency} and once with {@code
 * priority}.
 */
public final class CostLoopReplay {

  static final String ROUTE = "chat";
  static final long OBJECTIVE_MS = 1500;
  static final long DAY_MS = 24 * 3600_000L;

  /** Monday 2030-01-07 00:00 UTC. */
  static final long START = Instant.parse("2030-01-07T00:00:00Z").toEpochMilli();

  /** The cheap provider degrades from 20:00 to 22:00 UTC (inside its off-peak window). */
  static final long DEGRADE_FROM = START + 20 * 3600_000L;

  static final long DEGRADE_TO = START + 22 * 3600_000L;

  /** A simulated provider: its TTFT median by hour (log-normal spread) and its output speed. */
  record Profile(String name, double ttftMedianMs, double tokensPerSecond) {}

  static final Profile PREMIUM = new Profile("premium", 450, 80);
  static final Profile STANDARD = new Profile("standard", 700, 60);
  static final Profile CHEAP = new Profile("deepseek", 750, 40);

  /** What one replay found. */
  public record Result(
      String strategy,
      long requests,
      double spendUsd,
      long[] requestsByProvider,
      double[] hourlyTtftP95Ms,
      boolean[] cheapMeetsObjective,
      long ineligibleServed,
      long firstChoiceIneligible,
      long leftDegradedAfterMs,
      long returnedAfterMs,
      double decisionP50Us,
      double decisionP99Us,
      long[][] hourlyByProvider,
      long commitmentSpentAfterMs) {}

  private CostLoopReplay() {}

  /** The true TTFT of {@code p} at {@code t}: log-normal around its median, ×7 while degraded. */
  static double ttft(Profile p, long t, SplittableRandom random) {
    double median = p.ttftMedianMs();
    if (p == CHEAP && t >= DEGRADE_FROM && t < DEGRADE_TO) {
      median *= 7;
    }
    // sigma 0.35: p95 is about 1.78 x the median.
    return median * Math.exp(0.35 * gaussian(random));
  }

  private static double gaussian(SplittableRandom r) {
    double u = Math.max(1e-12, r.nextDouble());
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  static RoutingTable table(String strategy) {
    return table(strategy, null);
  }

  /** The table with a prepaid {@code commitment} on the premium model (null: none). */
  static RoutingTable table(String strategy, RoutingTable.Commitment commitment) {
    RoutingTable.Provider premium =
        provider(
            "premium",
            "claude",
            List.of("chat", "tools", "vision"),
            new RoutingTable.Pricing(3.00, 15.00, 0.30, "USD", null, commitment));
    RoutingTable.Provider standard =
        provider(
            "standard",
            "gpt-mini",
            List.of("chat", "tools", "vision"),
            new RoutingTable.Pricing(0.40, 1.60, 0.10, "USD"));
    RoutingTable.Provider cheap =
        provider(
            "deepseek",
            "deepseek-chat",
            List.of("chat", "tools"),
            new RoutingTable.Pricing(
                0.56,
                1.68,
                0.07,
                "USD",
                List.of(
                    new RoutingTable.PriceWindow(
                        "off-peak", null, "16:30", "00:30", "UTC", 0.28, 0.84, 0.035))));
    boolean costLoop = !"priority".equals(strategy);
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "standard",
            strategy,
            costLoop ? OBJECTIVE_MS : null,
            null,
            null,
            true,
            null,
            null,
            null,
            null,
            null,
            costLoop ? 0.02 : null);
    List<RoutingTable.Target> targets =
        List.of(
            new RoutingTable.Target("premium", "claude", 100, 0),
            new RoutingTable.Target("standard", "gpt-mini", 100, 1),
            new RoutingTable.Target("deepseek", "deepseek-chat", 100, 2));
    List<RoutingTable.Rule> rules =
        List.of(
            // High-stakes legal analysis: the premium model only, whatever the strategy.
            new RoutingTable.Rule(
                Map.of(),
                List.of(new RoutingTable.Target("premium", "claude", 100, 0)),
                Map.of("task", "legal"),
                null),
            // Summarisation: the cheapest target now, latency does not matter.
            new RoutingTable.Rule(
                Map.of(),
                List.of(),
                Map.of("task", "summarization"),
                costLoop ? "least-cost" : null));
    RoutingTable.Route route =
        new RoutingTable.Route(ROUTE, ROUTE, List.of(), "standard", 1, targets, rules, null);
    return new RoutingTable(
        1,
        null,
        "bench",
        Map.of("premium", premium, "standard", standard, "deepseek", cheap),
        Map.of("standard", policy),
        List.of(route));
  }

  private static RoutingTable.Provider provider(
      String name, String model, List<String> capabilities, RoutingTable.Pricing pricing) {
    return BenchTables.openAiCompatible(
        name,
        "http://" + name + ".invalid/v1",
        Map.of(model, new RoutingTable.Model(capabilities, 128_000L, pricing, null)));
  }

  /** One request of the trace. */
  private record Request(long at, String task, boolean vision, TokenUsage usage) {}

  /** The trace: one request a second on average, three task classes, a tenth needing vision. */
  static List<Request> trace(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Request> out = new ArrayList<>();
    long t = START;
    while (t < START + DAY_MS) {
      double kind = r.nextDouble();
      String task;
      TokenUsage usage;
      if (kind < 0.30) {
        task = "summarization";
        usage = new TokenUsage(3000 + r.nextInt(2000), 200 + r.nextInt(200), 0);
      } else if (kind < 0.40) {
        task = "legal";
        usage = new TokenUsage(2000 + r.nextInt(1000), 600 + r.nextInt(400), 0);
      } else {
        task = "chat";
        long input = 600 + r.nextInt(600);
        usage = new TokenUsage(input, 150 + r.nextInt(200), r.nextDouble() < 0.5 ? input / 2 : 0);
      }
      out.add(new Request(t, task, !task.equals("legal") && r.nextDouble() < 0.10, usage));
      t += 1 + (long) (-Math.log(Math.max(1e-12, r.nextDouble())) * 1000);
    }
    return out;
  }

  private static ObjectNode body(Request request) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("model", ROUTE);
    body.putObject("metadata").put("task", request.task());
    ObjectNode message = body.putArray("messages").addObject().put("role", "user");
    if (request.vision()) {
      ObjectNode part = message.putArray("content").addObject().put("type", "image_url");
      part.putObject("image_url").put("url", "https://example.invalid/i.png");
    } else {
      message.put("content", "hello");
    }
    return body;
  }

  /** Replays the trace with {@code strategy} as the policy's strategy. */
  public static Result run(String strategy, long seed) {
    return run(strategy, seed, null);
  }

  /**
   * Replays the trace with {@code strategy}, the premium model carrying a prepaid {@code
   * commitment} (null: none).
   */
  public static Result run(String strategy, long seed, RoutingTable.Commitment commitment) {
    long[] now = {START};
    LiveStats stats = new LiveStats(300_000, 60_000, 600_000, () -> now[0]);
    SplittableRandom decisions = new SplittableRandom(seed + 1);
    SplittableRandom latency = new SplittableRandom(seed + 2);
    AttemptPlanner planner =
        new AttemptPlanner(decisions::nextDouble, stats.routing(), () -> now[0]);
    RoutingTable table = table(strategy, commitment);
    RoutingTable.Provider premium = table.providers().get("premium");
    RoutingSnapshot snapshot = RoutingSnapshot.of(table, Instant.ofEpochMilli(START));
    long[][] hourlyByProvider = new long[24][3];
    long commitmentSpentAt = -1;
    List<Request> trace = trace(seed);
    long[] byProvider = new long[3];
    List<List<Double>> chatTtftByHour = new ArrayList<>();
    List<List<Double>> cheapTtftByHour = new ArrayList<>();
    for (int h = 0; h < 24; h++) {
      chatTtftByHour.add(new ArrayList<>());
      cheapTtftByHour.add(new ArrayList<>());
    }
    double spend = 0;
    long ineligibleServed = 0;
    long firstChoiceIneligible = 0;
    long lastChosenCheapWhileDegraded = -1;
    long firstChosenCheapAfterRecovery = -1;
    long[] decisionNanos = new long[trace.size()];
    int decisionCount = 0;
    long nextRefresh = START;
    for (Request request : trace) {
      while (nextRefresh <= request.at()) {
        now[0] = nextRefresh;
        stats.refreshRouting();
        nextRefresh += 1000;
      }
      now[0] = request.at();
      ObjectNode body = body(request);
      RequestNeeds needs = RequestNeeds.of(body, Operation.CHAT_COMPLETIONS);
      ResolvedRoute route =
          snapshot
              .resolve(ROUTE, name -> null, key -> body.path("metadata").path(key).textValue())
              .orElseThrow();
      long begin = System.nanoTime();
      AttemptPlanner.RoutePlan plan = planner.decide(route);
      decisionNanos[decisionCount++] = System.nanoTime() - begin;
      // The failover walk: the first target that has what the request needs.
      PlannedTarget served = null;
      for (PlannedTarget candidate : plan.chain()) {
        if (needs.mismatch(candidate) == null) {
          served = candidate;
          break;
        }
      }
      if (needs.mismatch(plan.chain().get(0)) != null) {
        firstChoiceIneligible++;
      }
      if (served == null) {
        continue;
      }
      if (needs.mismatch(served) != null) {
        ineligibleServed++;
      }
      Profile profile = profile(served.provider().name());
      int index = profile == PREMIUM ? 0 : profile == STANDARD ? 1 : 2;
      byProvider[index]++;
      hourlyByProvider[(int) ((request.at() - START) / 3600_000L)][index]++;
      double ttft = ttft(profile, request.at(), latency);
      double total = ttft + request.usage().outputTokens() * 1000.0 / profile.tokensPerSecond();
      Double cost = Pricing.costUsd(served, request.usage(), Instant.ofEpochMilli(request.at()));
      spend += cost;
      int hour = (int) ((request.at() - START) / 3600_000L);
      if (request.task().equals("chat")) {
        chatTtftByHour.get(hour).add(ttft);
        boolean explored = plan.reason().contains("explore=true");
        if (profile == CHEAP && !explored) {
          if (request.at() >= DEGRADE_FROM && request.at() < DEGRADE_TO) {
            lastChosenCheapWhileDegraded = request.at();
          } else if (request.at() >= DEGRADE_TO && firstChosenCheapAfterRecovery < 0) {
            firstChosenCheapAfterRecovery = request.at();
          }
        }
      }
      // The figures the gateway would observe when the answer is accounted.
      now[0] = request.at() + (long) total;
      stats.record(
          ROUTE,
          served.id(),
          false,
          ttft,
          total,
          request.usage().outputTokens() * 1000.0 / (total - ttft),
          cost,
          request.usage());
      if (commitment != null
          && commitmentSpentAt < 0
          && stats.commitments().cover(premium, "claude") == null) {
        commitmentSpentAt = now[0];
      }
      now[0] = request.at();
    }
    // Whether the cheap target itself met the objective in each hour: its true p95 by sampling.
    SplittableRandom probe = new SplittableRandom(seed + 3);
    boolean[] cheapMeets = new boolean[24];
    double[] hourlyP95 = new double[24];
    for (int h = 0; h < 24; h++) {
      double[] samples = new double[2000];
      for (int i = 0; i < samples.length; i++) {
        samples[i] = ttft(CHEAP, START + h * 3600_000L + i * 1800L, probe);
      }
      cheapMeets[h] = percentile(samples, 0.95) <= OBJECTIVE_MS;
      hourlyP95[h] =
          percentile(
              chatTtftByHour.get(h).stream().mapToDouble(Double::doubleValue).toArray(), 0.95);
    }
    long[] nanos = Arrays.copyOf(decisionNanos, decisionCount);
    Arrays.sort(nanos);
    return new Result(
        strategy,
        trace.size(),
        spend,
        byProvider,
        hourlyP95,
        cheapMeets,
        ineligibleServed,
        firstChoiceIneligible,
        lastChosenCheapWhileDegraded < 0 ? 0 : lastChosenCheapWhileDegraded - DEGRADE_FROM,
        firstChosenCheapAfterRecovery < 0 ? -1 : firstChosenCheapAfterRecovery - DEGRADE_TO,
        nanos[nanos.length / 2] / 1000.0,
        nanos[(int) (nanos.length * 0.99)] / 1000.0,
        hourlyByProvider,
        commitmentSpentAt < 0 ? -1 : commitmentSpentAt - START);
  }

  private static Profile profile(String provider) {
    return switch (provider) {
      case "premium" -> PREMIUM;
      case "standard" -> STANDARD;
      default -> CHEAP;
    };
  }

  static double percentile(double[] values, double p) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /**
   * The decision's cost with 10 targets: {@code cost-latency} on a route whose ten targets all have
   * figures and price windows, after a warm-up; p50 and p99 in microseconds.
   */
  public static double[] decisionWithTenTargets(int decisions) {
    long[] now = {START};
    LiveStats stats = new LiveStats(300_000, 60_000, 600_000, () -> now[0]);
    Map<String, RoutingTable.Provider> providers = new java.util.TreeMap<>();
    List<RoutingTable.Target> targets = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String name = "p" + i;
      providers.put(
          name,
          provider(
              name,
              "m",
              List.of("chat"),
              new RoutingTable.Pricing(
                  0.5 + i * 0.1,
                  1.5 + i * 0.2,
                  null,
                  "USD",
                  List.of(
                      new RoutingTable.PriceWindow(
                          "night", null, "22:00", "06:00", "Europe/Berlin", 0.3, 0.9, null)))));
      targets.add(new RoutingTable.Target(name, "m", 100, i % 3));
    }
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "pol",
            "cost-latency",
            OBJECTIVE_MS,
            null,
            null,
            true,
            null,
            null,
            null,
            null,
            null,
            0.02);
    RoutingTable.Route route =
        new RoutingTable.Route("ten", "ten", List.of(), "pol", 1, targets, List.of(), null);
    RoutingSnapshot snapshot =
        RoutingSnapshot.of(
            new RoutingTable(1, null, "bench", providers, Map.of("pol", policy), List.of(route)),
            Instant.ofEpochMilli(START));
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 10; i++) {
      for (int s = 0; s < 50; s++) {
        stats.record(
            "ten",
            "p" + i + "/m",
            false,
            400.0 + i * 150 + r.nextInt(200),
            2000.0,
            50.0,
            0.001,
            new TokenUsage(1000, 250, 100));
      }
    }
    stats.refreshRouting();
    AttemptPlanner planner = new AttemptPlanner(r::nextDouble, stats.routing(), () -> now[0]);
    ResolvedRoute resolved = snapshot.resolve("ten", name -> null).orElseThrow();
    long sink = 0;
    for (int i = 0; i < 200_000; i++) {
      sink += planner.decide(resolved).chain().size();
    }
    long[] nanos = new long[decisions];
    for (int i = 0; i < decisions; i++) {
      now[0] = START + i * 10L;
      long begin = System.nanoTime();
      sink += planner.decide(resolved).chain().size();
      nanos[i] = System.nanoTime() - begin;
    }
    if (sink == 42) {
      System.out.print("");
    }
    Arrays.sort(nanos);
    return new double[] {nanos[decisions / 2] / 1000.0, nanos[(int) (decisions * 0.99)] / 1000.0};
  }

  /**
   * Prints both replays, the ten-target decision cost and the committed-use day (the suite runs the
   * same with {@code --only costloop} and reports it in its cost-loop section).
   */
  public static void main(String[] args) {
    Result loop = run("cost-latency", 16);
    Result base = run("priority", 16);
    for (Result r : List.of(loop, base)) {
      System.out.printf(
          "%s: %d requests, spend $%.2f, premium/standard/deepseek %s, ineligible served %d"
              + " (first choice ineligible %d), left degraded after %d ms, returned after %d ms,"
              + " decision p50 %.1f us p99 %.1f us%n",
          r.strategy(),
          r.requests(),
          r.spendUsd(),
          Arrays.toString(r.requestsByProvider()),
          r.ineligibleServed(),
          r.firstChoiceIneligible(),
          r.leftDegradedAfterMs(),
          r.returnedAfterMs(),
          r.decisionP50Us(),
          r.decisionP99Us());
      System.out.println(
          "  hourly chat TTFT p95 ms: " + Arrays.toString(round(r.hourlyTtftP95Ms())));
    }
    System.out.println(
        "  cheap meets objective by hour: " + Arrays.toString(loop.cheapMeetsObjective()));
    double[] ten = decisionWithTenTargets(100_000);
    System.out.printf("ten targets: decision p50 %.1f us, p99 %.1f us%n", ten[0], ten[1]);
    Result committed = run("cost-latency", 16, COMMITMENT);
    System.out.printf(
        "cost-latency with a $%.0f/month commitment on premium: spend beyond it $%.2f (without: $%.2f),"
            + " commitment spent after %.1f h, premium/standard/deepseek %s%n",
        COMMITMENT.spendPerMonth(),
        committed.spendUsd() - COMMITMENT.spendPerMonth(),
        loop.spendUsd(),
        committed.commitmentSpentAfterMs() / 3_600_000.0,
        Arrays.toString(committed.requestsByProvider()));
    for (int h = 0; h < 24; h++) {
      System.out.printf(
          "  hour %2d premium/standard/deepseek %s%n",
          h, Arrays.toString(committed.hourlyByProvider()[h]));
    }
  }

  /** The commitment of the replay's committed-use scenario: prepaid premium usage. */
  static final RoutingTable.Commitment COMMITMENT = new RoutingTable.Commitment(null, 150.0);

  private static long[] round(double[] values) {
    return Arrays.stream(values).mapToLong(Math::round).toArray();
  }
}
