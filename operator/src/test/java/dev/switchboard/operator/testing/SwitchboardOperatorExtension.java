package dev.switchboard.operator.testing;

import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Mock API server (CRUD mode) with the generated CRDs installed, plus the Switchboard operator
 * running in-process against it, as JOSDK's LocallyRunOperatorExtension needs a real API server.
 *
 * <p>The operator has its own client whose writes (POST/PUT/PATCH/DELETE) are counted per
 * namespace, and JOSDK metrics count finished reconciliations per resource, so tests can prove that
 * an unchanged world causes no write.
 */
public final class SwitchboardOperatorExtension implements BeforeAllCallback, AfterAllCallback {

  private static final Pattern NAMESPACE = Pattern.compile("/namespaces/([^/]+)/");
  private static final Path CRDS = Path.of("../crds");

  private final OperatorSettings settings;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
  private final Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> reconciliations = new ConcurrentHashMap<>();
  private final java.util.List<String> writeLog =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  private EmbeddedKubernetesApi api;
  private KubernetesClient operatorClient;
  private SwitchboardOperator operator;

  private final dev.switchboard.operator.publish.RoutingTablePublisher.Limits tableLimits;

  public SwitchboardOperatorExtension(OperatorSettings settings) {
    this(settings, dev.switchboard.operator.publish.RoutingTablePublisher.Limits.STANDARD);
  }

  /** With routing tables laid out within {@code tableLimits} (small ones reach "too large"). */
  public SwitchboardOperatorExtension(
      OperatorSettings settings,
      dev.switchboard.operator.publish.RoutingTablePublisher.Limits tableLimits) {
    this.settings = settings;
    this.tableLimits = tableLimits;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    api = EmbeddedKubernetesApi.start();
    api.installCrds(
        CRDS.resolve("providerendpoints.switchboard.dev-v1.yml"),
        CRDS.resolve("routingpolicies.switchboard.dev-v1.yml"),
        CRDS.resolve("modelroutes.switchboard.dev-v1.yml"),
        CRDS.resolve("consumers.switchboard.dev-v1.yml"));
    operatorClient =
        TolerantSerialization.clientBuilder()
            .withConfig(api.clientConfig())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .withHttpClientBuilderConsumer(
                builder -> builder.addOrReplaceInterceptor("write-counter", new WriteCounter()))
            .build();
    startOperator();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stopOperator();
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /** Starts a fresh operator instance (after {@link #stopOperator()}), as after a restart. */
  public void startOperator() {
    operator =
        SwitchboardOperator.start(
            operatorClient,
            settings,
            clock,
            CanaryPlanner.immediate(),
            o -> o.withMetrics(new ReconciliationCounter()),
            tableLimits);
  }

  public void stopOperator() {
    if (operator != null) {
      operator.stop();
      operator = null;
    }
  }

  /** The running operator. */
  public SwitchboardOperator operator() {
    return operator;
  }

  /** The mock API server, for expectations (refusing a write) and request counting. */
  public EmbeddedKubernetesApi api() {
    return api;
  }

  /** A client for the test itself; its writes are not counted. */
  public KubernetesClient client() {
    return api.client();
  }

  public MutableClock clock() {
    return clock;
  }

  /** Writes the operator made in the namespace so far. */
  public int writes(String namespace) {
    return writes.computeIfAbsent(namespace, n -> new AtomicInteger()).get();
  }

  /** Every write the operator made, "METHOD path", oldest first; for failure messages. */
  public java.util.List<String> writeLog(String namespace) {
    synchronized (writeLog) {
      return writeLog.stream().filter(w -> w.contains("/namespaces/" + namespace + "/")).toList();
    }
  }

  /** Reconciliations of the resource finished so far (across operator restarts). */
  public int reconciliations(HasMetadata resource) {
    return reconciliations.computeIfAbsent(key(resource), k -> new AtomicInteger()).get();
  }

  private static String key(HasMetadata resource) {
    return resource.getKind()
        + "/"
        + resource.getMetadata().getNamespace()
        + "/"
        + resource.getMetadata().getName();
  }

  private final class WriteCounter implements Interceptor {
    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      if (request.method().equals("GET")) {
        return;
      }
      Matcher namespace = NAMESPACE.matcher(request.uri().getPath());
      if (namespace.find()) {
        writes.computeIfAbsent(namespace.group(1), n -> new AtomicInteger()).incrementAndGet();
        writeLog.add(request.method() + " " + request.uri().getPath());
      }
    }
  }

  private final class ReconciliationCounter implements Metrics {
    @Override
    public void reconciliationExecutionFinished(
        HasMetadata resource, Map<String, Object> metadata) {
      reconciliations.computeIfAbsent(key(resource), k -> new AtomicInteger()).incrementAndGet();
    }
  }
}
