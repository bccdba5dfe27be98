package dev.switchboard.operator.rollout.metrics;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Finds the gateway replicas through the EndpointSlices ({@code discovery.k8s.io/v1}) of the
 * gateway Service in the route's namespace, from an informer cache: no API call per analysis. The
 * gateway is expected in the namespace of the routes it serves (its routing table is per
 * namespace). Only ready endpoints count; each is scraped on the Service's port named {@code
 * portName}.
 */
public final class EndpointSliceGatewayTargets implements GatewayTargets, AutoCloseable {

  /** The label EndpointSlice controllers put on the slices of a Service. */
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private final KubernetesClient client;
  private final String serviceName;
  private final String portName;
  private final String path;
  private final ConcurrentMap<String, SharedIndexInformer<EndpointSlice>> informers =
      new ConcurrentHashMap<>();

  public EndpointSliceGatewayTargets(
      KubernetesClient client, String serviceName, String portName, String path) {
    this.client = client;
    this.serviceName = serviceName;
    this.portName = portName;
    this.path = path;
  }

  @Override
  public List<URI> metricsUrls(String namespace) {
    return urls(
        namespace,
        endpoint ->
            endpoint.getConditions() == null
                || !Boolean.FALSE.equals(endpoint.getConditions().getReady()));
  }

  /**
   * Endpoints whose pod is terminating ({@code conditions.terminating}, kept in the slices until
   * the pod is gone; not ready, serving or not).
   */
  @Override
  public List<URI> terminatingMetricsUrls(String namespace) {
    return urls(
        namespace,
        endpoint ->
            endpoint.getConditions() != null
                && Boolean.TRUE.equals(endpoint.getConditions().getTerminating())
                && Boolean.FALSE.equals(endpoint.getConditions().getReady()));
  }

  private List<URI> urls(String namespace, java.util.function.Predicate<Endpoint> wanted) {
    List<URI> urls = new ArrayList<>();
    for (EndpointSlice slice : informer(namespace).getStore().list()) {
      Integer port = port(slice);
      if (port == null || slice.getEndpoints() == null) {
        continue;
      }
      for (Endpoint endpoint : slice.getEndpoints()) {
        if (!wanted.test(endpoint)
            || endpoint.getAddresses() == null
            || endpoint.getAddresses().isEmpty()) {
          continue;
        }
        String address = endpoint.getAddresses().get(0);
        String host = address.contains(":") ? "[" + address + "]" : address;
        urls.add(URI.create("http://" + host + ":" + port + path));
      }
    }
    return urls;
  }

  private Integer port(EndpointSlice slice) {
    List<EndpointPort> ports = slice.getPorts();
    if (ports == null || ports.isEmpty()) {
      return null;
    }
    for (EndpointPort port : ports) {
      if (Objects.equals(portName, port.getName())) {
        return port.getPort();
      }
    }
    return ports.size() == 1 ? ports.get(0).getPort() : null;
  }

  /**
   * One informer per namespace, started on first use: it needs only the namespaced read access the
   * chart's per-namespace Roles grant, and a namespace without routes costs no watch.
   */
  private SharedIndexInformer<EndpointSlice> informer(String namespace) {
    return informers.computeIfAbsent(
        namespace,
        ns ->
            client
                .discovery()
                .v1()
                .endpointSlices()
                .inNamespace(ns)
                .withLabel(SERVICE_NAME_LABEL, serviceName)
                .inform());
  }

  @Override
  public void close() {
    informers.values().forEach(SharedIndexInformer::close);
    informers.clear();
  }
}
