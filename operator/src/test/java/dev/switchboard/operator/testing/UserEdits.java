package dev.switchboard.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.function.UnaryOperator;

/**
 * Edits a resource as a user's {@code kubectl edit} would: read it, change it, patch it — and again
 * on a 409. The operator writes the resources a scenario edits (a finalizer, its status, a
 * published ConfigMap it restores), and an edit made from a read just before such a write
 * conflicts; a user would edit again, and a test that did not would fail by timing alone.
 */
public final class UserEdits {
  private static final int ATTEMPTS = 5;

  private UserEdits() {}

  public static <T extends HasMetadata> T edit(Resource<T> resource, UnaryOperator<T> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        return resource.edit(change);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
