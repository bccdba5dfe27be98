package dev.switchboard.operator.drift;

import java.util.Map;
import java.util.TreeMap;

/**
 * The reference answers of one target of one route, stored in the policy's baseline ConfigMap.
 *
 * @param takenAt RFC 3339 time the baseline was recorded
 * @param targets the route's targets when it was recorded ({@link DriftRunner#targetsKey}); a
 *     different set takes a new baseline
 * @param answers prompt key → the reference answer (cut to {@link AnswerDistance#MAX_CHARS})
 */
public record Baseline(
    String takenAt,
    String targets,
    String modelVersion,
    String fingerprint,
    Map<String, String> answers) {

  public Baseline {
    answers = answers == null ? Map.of() : new TreeMap<>(answers);
  }
}
