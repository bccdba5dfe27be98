package dev.switchboard.operator.evaluation;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Optional;

/**
 * The operator's two ConfigMap informers as {@link EvaluationTracker} reads them in production (its
 * own, by the managed-by label, and labelled reports), run against the mock API server.
 */
final class InformedConfigMaps implements EvaluationTracker.ConfigMapCache, AutoCloseable {

  private final SharedIndexInformer<ConfigMap> own;
  private final SharedIndexInformer<ConfigMap> reports;

  InformedConfigMaps(KubernetesClient client) {
    own =
        client
            .configMaps()
            .inAnyNamespace()
            .withLabel("app.kubernetes.io/managed-by", "switchboard-operator")
            .inform();
    reports =
        client
            .configMaps()
            .inAnyNamespace()
            .withLabel(EvaluationTracker.REPORT_LABEL, "true")
            .inform();
  }

  @Override
  public Optional<ConfigMap> get(String namespace, String name) {
    String key = namespace + "/" + name;
    return Optional.ofNullable(own.getStore().getByKey(key))
        .or(() -> Optional.ofNullable(reports.getStore().getByKey(key)));
  }

  @Override
  public void close() {
    own.close();
    reports.close();
  }
}
