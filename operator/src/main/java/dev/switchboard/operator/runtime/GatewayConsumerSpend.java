package dev.switchboard.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads {@code GET /admin/consumers} from every gateway replica of a namespace (the admin port,
 * next to {@code /metrics}). With a shared state store every replica reports the same shared total,
 * so the largest report is taken; replicas counting alone report what they served, so theirs are
 * summed. Cached for a second per namespace, so a burst of Consumer reconciles costs one request
 * per replica.
 */
public final class GatewayConsumerSpend implements ConsumerSpendSource {

  static final String PATH = "/admin/consumers";

  private final GatewayAdminReports<Map<String, Spent>> reports;

  /**
   * @param credential presented with every read (the gateways answer {@code /admin/consumers} to
   *     the operator only once their consumer table names it)
   */
  public GatewayConsumerSpend(GatewayTargets targets, Clock clock, OperatorCredential credential) {
    this.reports =
        new GatewayAdminReports<>(targets, clock, PATH, GatewayConsumerSpend::combine, credential);
  }

  @Override
  public Optional<Map<String, Spent>> spend(String namespace) {
    return reports.read(namespace);
  }

  /** Shared reports: the largest; per-replica reports: their sum; both added (mixed rollouts). */
  static Map<String, Spent> combine(List<JsonNode> reports) {
    Map<String, double[]> sharedMax = new TreeMap<>();
    Map<String, double[]> localSum = new TreeMap<>();
    for (JsonNode report : reports) {
      boolean shared = report.path("shared").asBoolean(false);
      for (JsonNode row : report.path("consumers")) {
        if (!row.path("tracked").asBoolean(false) || !row.hasNonNull("name")) {
          continue;
        }
        double today = row.path("todayUsd").asDouble(0);
        double month = row.path("monthUsd").asDouble(0);
        if (shared) {
          double[] m = sharedMax.computeIfAbsent(row.get("name").asText(), k -> new double[2]);
          m[0] = Math.max(m[0], today);
          m[1] = Math.max(m[1], month);
        } else {
          double[] s = localSum.computeIfAbsent(row.get("name").asText(), k -> new double[2]);
          s[0] += today;
          s[1] += month;
        }
      }
    }
    Map<String, Spent> result = new TreeMap<>();
    for (String name : union(sharedMax, localSum)) {
      double[] m = sharedMax.getOrDefault(name, new double[2]);
      double[] s = localSum.getOrDefault(name, new double[2]);
      result.put(name, new Spent(m[0] + s[0], m[1] + s[1], !localSum.containsKey(name)));
    }
    return result;
  }

  private static List<String> union(Map<String, ?> a, Map<String, ?> b) {
    TreeMap<String, Boolean> all = new TreeMap<>();
    a.keySet().forEach(k -> all.put(k, true));
    b.keySet().forEach(k -> all.put(k, true));
    return List.copyOf(all.keySet());
  }
}
