package dev.switchboard.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads {@code GET /admin/commitments} from every gateway replica of a namespace (the admin port,
 * next to {@code /metrics}). With a shared state store every replica reports the same shared use,
 * so the largest report is taken; replicas counting alone report what they served, so theirs are
 * summed. Cached for a second per namespace, so the reconciles of a namespace's endpoints cost one
 * request per replica.
 */
public final class GatewayCommitments implements CommitmentSource {

  static final String PATH = "/admin/commitments";

  private final GatewayAdminReports<Map<String, List<Used>>> reports;

  /**
   * @param credential presented with every read (the gateways answer {@code /admin/commitments} to
   *     the operator only once their consumer table names it)
   */
  public GatewayCommitments(GatewayTargets targets, Clock clock, OperatorCredential credential) {
    this.reports =
        new GatewayAdminReports<>(targets, clock, PATH, GatewayCommitments::combine, credential);
  }

  @Override
  public Optional<Map<String, List<Used>>> commitments(String namespace) {
    return reports.read(namespace);
  }

  /**
   * Shared reports: the largest; per-replica reports: their sum; both added (mixed rollouts). Rows
   * of different months (a report read across midnight at a month's end) keep the latest month.
   */
  static Map<String, List<Used>> combine(List<JsonNode> reports) {
    Map<String, Used> sharedMax = new LinkedHashMap<>();
    Map<String, Used> localSum = new LinkedHashMap<>();
    for (JsonNode report : reports) {
      boolean shared = report.path("shared").asBoolean(false);
      for (JsonNode row : report.path("commitments")) {
        if (!row.hasNonNull("provider") || !row.hasNonNull("month")) {
          continue;
        }
        String provider = row.get("provider").asText();
        String model = row.hasNonNull("model") ? row.get("model").asText() : null;
        Used used =
            new Used(
                model,
                row.path("unit").asText("spend"),
                row.path("committed").asDouble(0),
                row.path("used").asDouble(0),
                row.get("month").asText());
        String key = provider + "\n" + (model == null ? "" : model);
        Map<String, Used> into = shared ? sharedMax : localSum;
        into.merge(
            key,
            used,
            (a, b) -> {
              int byMonth = a.month().compareTo(b.month());
              if (byMonth != 0) {
                return byMonth > 0 ? a : b;
              }
              double merged = shared ? Math.max(a.used(), b.used()) : a.used() + b.used();
              return new Used(a.model(), b.unit(), b.amount(), merged, a.month());
            });
      }
    }
    Map<String, Used> all = new LinkedHashMap<>(sharedMax);
    localSum.forEach(
        (key, u) ->
            all.merge(
                key,
                u,
                (a, b) ->
                    a.month().equals(b.month())
                        ? new Used(a.model(), a.unit(), a.amount(), a.used() + b.used(), a.month())
                        : a.month().compareTo(b.month()) > 0 ? a : b));
    Map<String, List<Used>> byProvider = new TreeMap<>();
    all.forEach(
        (key, u) ->
            byProvider
                .computeIfAbsent(key.substring(0, key.indexOf('\n')), k -> new ArrayList<>())
                .add(u));
    return byProvider;
  }
}
