package dev.switchboard.gateway.determinism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that answers every request with another {@code model} string and fingerprint (a
 * misbehaving or hostile one) is still served, with its real value in {@code
 * x-switchboard-model-version}, but makes a bounded number of {@code switchboard_model_version_*}
 * series: at most eight versions per target, then {@code other}, however many scrapes saw them one
 * after the other (each label value a scrape sees is a series Prometheus keeps).
 */
class ModelVersionFlapIT {

  private static final Pattern VERSION_LABEL =
      Pattern.compile("(?:model_version|from_version|to_version)=\"([^\"]*)\"");

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;
  final AtomicInteger answers = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              int n = answers.getAndIncrement();
              req.response()
                  .putHeader("content-type", "application/json")
                  .end(
                      "{\"id\":\"c"
                          + n
                          + "\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"flap-"
                          + n
                          + "\",\"system_fingerprint\":\"fp_"
                          + n
                          + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                          + "\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":"
                          + "{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}");
            });
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void fiftyModelStringsMakeAtMostEightVersionLabelsAndOther() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "flap", "chat", "m")) {
      Set<String> labelled = new TreeSet<>();
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> r =
            gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-model-version")).hasValue("flap-" + i);
        gateway
            .admin("/metrics")
            .body()
            .lines()
            .filter(l -> l.startsWith("switchboard_model_version_"))
            .forEach(
                l -> {
                  Matcher m = VERSION_LABEL.matcher(l);
                  while (m.find()) {
                    labelled.add(m.group(1));
                  }
                });
      }

      assertThat(labelled)
          .hasSize(9)
          .contains("other", "flap-0", "flap-7")
          .doesNotContain("flap-8", "flap-49");
      String scrape = gateway.admin("/metrics").body();
      assertThat(scrape)
          .contains("switchboard_model_version_changes_total{target=\"flap/m\"} 49.0")
          // The info gauge (Micrometer exports it without its _info suffix).
          .containsPattern("(?m)^switchboard_model_version\\{[^}]*model_version=\"other\"");
    }
  }
}
