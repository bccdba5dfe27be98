package dev.switchboard.e2e.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Prints the operator's verdict on every Switchboard resource to the console when it changes, with
 * the file the resource came from: what {@code kubectl get pe,rp,mr} would show, without a kubectl.
 * An invalid resource thus shows up next to the file that holds it, with the reason and what to
 * fix.
 */
final class StatusReporter implements AutoCloseable {

  static final String API_VERSION = "switchboard.dev/v1alpha1";
  static final List<String> KINDS = List.of("ProviderEndpoint", "RoutingPolicy", "ModelRoute");

  private final Consumer<String> console;
  private final Function<ConfigDirectoryApplier.ObjectRef, Optional<String>> fileOf;
  private final Map<String, String> lastPrinted = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();

  StatusReporter(
      KubernetesClient client,
      Consumer<String> console,
      Function<ConfigDirectoryApplier.ObjectRef, Optional<String>> fileOf) {
    this.console = console;
    this.fileOf = fileOf;
    for (String kind : KINDS) {
      informers.add(
          client
              .genericKubernetesResources(API_VERSION, kind)
              .inAnyNamespace()
              .inform(handler(kind)));
    }
  }

  private ResourceEventHandler<GenericKubernetesResource> handler(String kind) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource resource) {
        report(kind, resource);
      }

      @Override
      public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource resource) {
        report(kind, resource);
      }

      @Override
      public void onDelete(GenericKubernetesResource resource, boolean finalStateUnknown) {
        lastPrinted.remove(key(kind, resource));
      }
    };
  }

  /** Prints the Ready condition (and a canary phase) when it differs from what was printed. */
  void report(String kind, GenericKubernetesResource resource) {
    Object status = resource.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> statusMap)) {
      return;
    }
    Map<?, ?> ready = readyCondition(statusMap);
    if (ready == null) {
      return;
    }
    String line =
        "Ready="
            + ready.get("status")
            + " "
            + ready.get("reason")
            + (statusMap.get("phase") != null ? " phase=" + statusMap.get("phase") : "")
            + (statusMap.get("canaryWeight") != null && !"Stable".equals(statusMap.get("phase"))
                ? " canaryWeight=" + statusMap.get("canaryWeight")
                : "")
            + ": "
            + ready.get("message");
    String key = key(kind, resource);
    if (line.equals(lastPrinted.put(key, line))) {
      return;
    }
    var ref =
        new ConfigDirectoryApplier.ObjectRef(
            API_VERSION,
            kind,
            resource.getMetadata().getNamespace(),
            resource.getMetadata().getName());
    console.accept(
        "status: "
            + kind
            + " "
            + resource.getMetadata().getNamespace()
            + "/"
            + resource.getMetadata().getName()
            + fileOf.apply(ref).map(f -> " (" + f + ")").orElse("")
            + " "
            + line);
  }

  private static Map<?, ?> readyCondition(Map<?, ?> status) {
    if (status.get("conditions") instanceof List<?> conditions) {
      for (Object condition : conditions) {
        if (condition instanceof Map<?, ?> c && "Ready".equals(c.get("type"))) {
          return c;
        }
      }
    }
    return null;
  }

  private static String key(String kind, GenericKubernetesResource resource) {
    return kind
        + "/"
        + resource.getMetadata().getNamespace()
        + "/"
        + resource.getMetadata().getName();
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
