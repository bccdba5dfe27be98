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
 * @param temperature the temperature the answers were asked at ({@link DriftClient#TEMPERATURE});
 *     null in baselines recorded before drift requests carried one, which are taken anew (answers
 *     at another temperature are no reference)
 */
public record Baseline(
    String takenAt,
    String targets,
    String modelVersion,
    String fingerprint,
    Map<String, String> answers,
    Double temperature) {

  public Baseline {
    answers = answers == null ? Map.of() : new TreeMap<>(answers);
  }
}
