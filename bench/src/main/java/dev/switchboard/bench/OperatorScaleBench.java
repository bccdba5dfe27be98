package dev.switchboard.bench;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Issue #21, operator at scale: the operator in a JVM of its own (so its heap is measured apart
 * from the API server's and the gateway's), the embedded API server and a gateway watching it in
 * this one. Applies N ModelRoutes and times until the gateway serves all and all are Ready, then
 * times one-route changes (each to a different route) to served by the gateway and to Ready with N
 * routes present. The operator's live heap is the total of a class histogram ({@code jcmd
 * GC.class_histogram}, which runs a full GC first) with 0 and with N routes.
 *
 * <p>{@code java -Xmx2g -cp bench/target/switchboard-bench.jar
 * dev.switchboard.bench.OperatorScaleBench [--routes N] [--changes N] [--operator-heap 1g]}
 */
public final class OperatorScaleBench {

  private static final String NS = "default";

  private OperatorScaleBench() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "bench-logback.xml");
    }
    List<String> list = List.of(args);
    int count = intArg(list, "--routes", 10_000);
    int changes = intArg(list, "--changes", 60);
    String operatorHeap = stringArg(list, "--operator-heap", "1g");
    System.out.println("load before: " + ScaleBench.uptime());
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConfigPropagation.installCrds(api);
      KubernetesClient client = api.client();
      ConfigPropagation.createBenchUpstream(client, 9, false);
      Map<String, Long> ready = new ConcurrentHashMap<>();
      SharedIndexInformer<ModelRoute> routes =
          client.resources(ModelRoute.class).inNamespace(NS).inform(readiness(ready));
      try (ChildJvm operator =
          ChildJvm.start(
              "operator",
              OperatorProcess.class.getName(),
              List.of(
                  "-Xmx" + operatorHeap,
                  "-XX:+UseG1GC",
                  "-Dlogback.configurationFile=bench-logback.xml"),
              List.of(api.url()),
              Path.of("bench/target/operator-scale/operator.log"))) {
        Vertx vertx = Vertx.vertx();
        GatewayServer gateway = ConfigPropagation.watchingGateway(vertx, api, NS);
        try {
          ChildJvm.pause(10_000);
          long heapEmpty = operator.liveHeapBytes();
          System.out.printf(
              "operator JVM (-Xmx%s), no routes: live heap %.1f MiB, RSS %.1f MiB%n",
              operatorHeap, heapEmpty / 1048576.0, operator.rssBytes() / 1048576.0);
          long cpuBefore = operator.cpuNanos();
          long start = System.nanoTime();
          ExecutorService writers = Executors.newFixedThreadPool(4);
          List<Future<?>> writes = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            String yaml = ScaleBench.routeYaml(i, "model-0");
            writes.add(writers.submit(() -> client.resource(yaml).create()));
            if (i % 1000 == 999) {
              // The mock records every request; do not let them fill this JVM's heap.
              writers.submit(api::discardRecordedRequests);
            }
          }
          for (Future<?> w : writes) {
            w.get();
          }
          writers.shutdown();
          System.out.printf(
              "operator: %d ModelRoutes applied (4 writers) in %.1f s%n",
              count, ScaleBench.seconds(System.nanoTime() - start));
          long servedAt = -1;
          long readyAt = -1;
          long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
          long lastReport = System.nanoTime();
          while ((servedAt < 0 || readyAt < 0) && System.nanoTime() < deadline) {
            int served = servedRoutes(gateway);
            if (servedAt < 0 && served == count) {
              servedAt = System.nanoTime();
            }
            long readyCount = ready.values().stream().filter(g -> g > 0).count();
            if (readyAt < 0 && readyCount == count) {
              readyAt = System.nanoTime();
            }
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(15)) {
              lastReport = System.nanoTime();
              api.discardRecordedRequests();
              System.out.printf(
                  "  t=%.0f s: gateway serves %d routes, %d Ready; load %s%n",
                  ScaleBench.seconds(System.nanoTime() - start),
                  served,
                  readyCount,
                  ScaleBench.uptime());
            }
            ChildJvm.pause(50);
          }
          double cpuS = (operator.cpuNanos() - cpuBefore) / 1e9;
          System.out.printf(
              "operator: all %d served by the gateway after %.1f s, all Ready after %.1f s"
                  + " (operator CPU %.1f s); load %s%n",
              count,
              servedAt < 0 ? Double.NaN : ScaleBench.seconds(servedAt - start),
              readyAt < 0 ? Double.NaN : ScaleBench.seconds(readyAt - start),
              cpuS,
              ScaleBench.uptime());
          api.discardRecordedRequests();
          ChildJvm.pause(5_000);
          long heapFull = operator.liveHeapBytes();
          System.out.printf(
              "operator JVM, %d routes: live heap %.1f MiB (%.0f bytes/route over the empty"
                  + " operator's %.1f MiB), RSS %.1f MiB%n",
              count,
              heapFull / 1048576.0,
              (heapFull - heapEmpty) / (double) count,
              heapEmpty / 1048576.0,
              operator.rssBytes() / 1048576.0);

          LatencySamples toServed = new LatencySamples();
          LatencySamples toReady = new LatencySamples();
          int failures = 0;
          for (int i = 1; i <= changes; i++) {
            String route = ScaleBench.routeName((int) ((i * 7919L) % count));
            String model = "model-" + i;
            long t0 = System.nanoTime();
            ModelRoute edited = ConfigPropagation.setFirstTargetModel(client, NS, route, model);
            long served = awaitServed(gateway, route, model, Duration.ofSeconds(60));
            long readyTime =
                awaitReady(
                    ready, route, edited.getMetadata().getGeneration(), Duration.ofSeconds(60));
            if (served < 0 || readyTime < 0) {
              failures++;
            } else {
              toServed.add(served - t0);
              toReady.add(readyTime - t0);
            }
            ChildJvm.pause(250);
          }
          System.out.printf(
              "operator: one-route change with %d routes → served by the gateway: p50 %.0f ms,"
                  + " p99 %.0f ms, max %.0f ms; → Ready: p50 %.0f ms, p99 %.0f ms, max %.0f ms"
                  + " (%d changes, %d not done in 60 s); load %s%n",
              count,
              toServed.percentileMs(50),
              toServed.percentileMs(99),
              toServed.maxMs(),
              toReady.percentileMs(50),
              toReady.percentileMs(99),
              toReady.maxMs(),
              toServed.size(),
              failures,
              ScaleBench.uptime());
        } finally {
          routes.close();
          Futures.await(gateway.close(), 10);
          Futures.await(vertx.close(), 10);
        }
      }
    }
    System.out.println("load after: " + ScaleBench.uptime());
  }

  /** Ready = a Ready=True condition for the current generation. */
  private static ResourceEventHandler<ModelRoute> readiness(Map<String, Long> ready) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(ModelRoute route) {
        ready.put(route.getMetadata().getName(), readyGeneration(route));
      }

      @Override
      public void onUpdate(ModelRoute before, ModelRoute route) {
        ready.put(route.getMetadata().getName(), readyGeneration(route));
      }

      @Override
      public void onDelete(ModelRoute route, boolean unknown) {
        ready.remove(route.getMetadata().getName());
      }
    };
  }

  /** The generation a Ready=True condition is for, 0 when not Ready for the current one. */
  private static long readyGeneration(ModelRoute r) {
    boolean ready =
        r.getStatus() != null
            && r.getStatus().getConditions() != null
            && r.getMetadata().getGeneration().equals(r.getStatus().getObservedGeneration())
            && r.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    return ready ? r.getMetadata().getGeneration() : 0;
  }

  /** From the informer: polling the API server here would slow the server being measured. */
  private static long awaitReady(
      Map<String, Long> ready, String route, long generation, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (ready.getOrDefault(route, 0L) >= generation) {
        return System.nanoTime();
      }
      ChildJvm.pause(2);
    }
    return -1;
  }

  private static int servedRoutes(GatewayServer gateway) {
    return gateway.routingState().current().map(s -> s.table().routes().size()).orElse(0);
  }

  private static long awaitServed(
      GatewayServer gateway, String route, String model, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<RoutingSnapshot> snapshot = gateway.routingState().current();
      if (snapshot.isPresent()
          && snapshot.get().table().routes().stream()
              .anyMatch(r -> r.name().equals(route) && r.targets().get(0).model().equals(model))) {
        return System.nanoTime();
      }
      ChildJvm.pause(2);
    }
    return -1;
  }

  private static int intArg(List<String> args, String name, int fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? Integer.parseInt(args.get(i + 1)) : fallback;
  }

  private static String stringArg(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
  }

  /**
   * The operator's own JVM: connects to the API server at {@code args[0]} and runs until killed.
   */
  public static final class OperatorProcess {
    private OperatorProcess() {}

    public static void main(String[] args) throws InterruptedException {
      Config config =
          new ConfigBuilder(Config.empty())
              .withMasterUrl(args[0])
              .withNamespace(NS)
              .withHttp2Disable(true)
              .withConnectionTimeout(5_000)
              .withRequestTimeout(60_000)
              .withWatchReconnectInterval(200)
              .build();
      KubernetesClient client = TolerantSerialization.clientBuilder().withConfig(config).build();
      SwitchboardOperator operator =
          SwitchboardOperator.start(client, OperatorSettings.forMockApiServer(), Clock.systemUTC());
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    operator.stop();
                    client.close();
                    stopped.countDown();
                  }));
      System.out.println("operator started against " + args[0]);
      stopped.await();
    }
  }
}
