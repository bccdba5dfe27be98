package dev.switchboard.e2e.tmpcanary;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.e2e.local.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TmpCanarySmokeIT {

  @Test
  void smoke() throws Exception {
    Path dir = Files.createTempDirectory("canary-smoke");
    try (Stream<Path> files = Files.list(Path.of("../config-samples/local"))) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    try (LocalStack stack =
        LocalStack.start(LocalStack.Options.defaults().withConfigDir(dir).withPort(0), s -> {})) {
      assertThat(stack.awaitRoutingTable(Duration.ofSeconds(30))).isTrue();
      HttpClient http = HttpClient.newHttpClient();
      stack.mock(18082).faults().set("llama-3.1-8b-instruct", "status:500");
      String routes = Files.readString(dir.resolve("modelroutes.yaml"));
      routes =
          routes.replace(
              "  targets:\n    - {providerRef: {name: local-primary}, model: gpt-4o-mini, weight: 1, priority: 0}\n    - {providerRef: {name: local-secondary}, model: llama-3.1-8b-instruct, weight: 1, priority: 1}\n",
              "  targets:\n    - {providerRef: {name: local-secondary}, model: llama-3.1-8b-instruct, weight: 1, priority: 0}\n  canary:\n    steps: [{weight: 50, pause: 0s}]\n    analysis: {interval: 3s, minRequests: 5}\n");
      assertThat(routes).contains("canary:");
      Files.writeString(dir.resolve("modelroutes.yaml"), routes);
      stack.applier().sync();
      long start = System.nanoTime();
      int errors = 0;
      int total = 0;
      String phase = null;
      while (System.nanoTime() - start < Duration.ofSeconds(40).toNanos()) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/chat/completions"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer sk-application")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"chat-default\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        total++;
        if (r.statusCode() != 200) {
          errors++;
        }
        ModelRoute mr =
            stack
                .api()
                .client()
                .resources(ModelRoute.class)
                .inNamespace("default")
                .withName("chat-default")
                .get();
        phase = mr.getStatus() == null ? null : mr.getStatus().getPhase();
        if ("RolledBack".equals(phase)) {
          System.out.println(
              "ROLLED BACK after "
                  + (System.nanoTime() - start) / 1_000_000
                  + " ms; status "
                  + mr.getStatus());
          break;
        }
      }
      System.out.println("total " + total + " errors " + errors + " phase " + phase);
      assertThat(phase).isEqualTo("RolledBack");
      assertThat(errors).isZero();
      stack.mock(18082).faults().clearAll();
      Files.writeString(
          dir.resolve("modelroutes.yaml"), routes.replace("interval: 3s", "interval: 2s"));
      stack.applier().sync();
      start = System.nanoTime();
      errors = 0;
      while (System.nanoTime() - start < Duration.ofSeconds(40).toNanos()) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/chat/completions"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer sk-application")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"chat-default\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          errors++;
        }
        ModelRoute mr =
            stack
                .api()
                .client()
                .resources(ModelRoute.class)
                .inNamespace("default")
                .withName("chat-default")
                .get();
        phase = mr.getStatus() == null ? null : mr.getStatus().getPhase();
        if ("Stable".equals(phase) && mr.getStatus().getStableRevision() == 3L) {
          System.out.println(
              "PROMOTED after "
                  + (System.nanoTime() - start) / 1_000_000
                  + " ms; status "
                  + mr.getStatus());
          break;
        }
      }
      assertThat(phase).isEqualTo("Stable");
      assertThat(errors).isZero();
    }
  }
}
