package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Language-aware task classes end to end: a rule {@code match: {language: [zh, ja]}} sends Chinese
 * and Japanese prompts (from the labelled set) to its target, every other language to the route's
 * own; the mock provider's counters say where each went, and the route reason names the detected
 * language.
 */
class LanguageRoutingIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-provider").models("qwen-plus", "gpt-4o"),
            LanguageRoutingIT::table,
            Map.of("acct", "sk-provider"));
    mock = gateway.mock();
  }

  /** Route {@code chat} sends Chinese and Japanese to qwen-plus; {@code plain} has no rules. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Route route =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            null,
            1,
            List.of(TestTables.target("acct", "gpt-4o", 0)),
            List.of(
                new RoutingTable.Rule(
                    Map.of(),
                    List.of(TestTables.target("acct", "qwen-plus", 0)),
                    null,
                    null,
                    List.of("zh", "ja"))),
            null);
    RoutingTable table =
        TestTables.table(
            List.of(TestTables.provider("acct", mock.baseUrl(), true)),
            List.of(
                route,
                TestTables.route("plain", List.of(), TestTables.target("acct", "gpt-4o", 0))));
    return table;
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  record Prompt(String language, String text) {}

  static List<Prompt> prompts() throws Exception {
    List<Prompt> out = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                LanguageRoutingIT.class.getResourceAsStream("/language/prompts.tsv"),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank() && !line.startsWith("#")) {
          int tab = line.indexOf('\t');
          out.add(new Prompt(line.substring(0, tab), line.substring(tab + 1)));
        }
      }
    }
    return out;
  }

  static String body(String text) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "chat");
    body.putArray("messages")
        .add(
            JsonNodeFactory.instance.objectNode().put("role", "system").put("content", "Be brief."))
        .add(JsonNodeFactory.instance.objectNode().put("role", "user").put("content", text));
    return body.toString();
  }

  @Test
  void chineseAndJapanesePromptsGoToTheRulesTargetOthersDoNot() throws Exception {
    mock.stats().reset();
    long cjk = 0;
    long others = 0;
    // Four of each language keep the run short; the detector's accuracy is LanguageDetectorTest's.
    Map<String, Integer> taken = new java.util.HashMap<>();
    for (Prompt p : prompts()) {
      if (taken.merge(p.language(), 1, Integer::sum) > 4) {
        continue;
      }
      HttpResponse<String> response = gateway.post("/v1/chat/completions", body(p.text()));
      assertThat(response.statusCode()).isEqualTo(200);
      String served = response.headers().firstValue("x-switchboard-target-model").orElseThrow();
      String reason = response.headers().firstValue("x-switchboard-route-reason").orElseThrow();
      boolean ruleLanguage = p.language().equals("zh") || p.language().equals("ja");
      assertThat(served)
          .as("%s: %s", p.language(), p.text())
          .isEqualTo(ruleLanguage ? "qwen-plus" : "gpt-4o");
      assertThat(reason).contains("language=" + p.language());
      if (ruleLanguage) {
        cjk++;
      } else {
        others++;
      }
    }
    assertThat(cjk).isEqualTo(8);
    assertThat(others).isEqualTo(32);
    assertThat(mock.stats().attempts("qwen-plus")).isEqualTo(cjk);
    assertThat(mock.stats().attempts("gpt-4o")).isEqualTo(others);
  }

  @Test
  void onlyRoutesWithALanguageRuleDetectTheLanguage() throws Exception {
    HttpResponse<String> plain =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"plain\",\"messages\":[{\"role\":\"user\",\"content\":\"你好，请介绍一下你自己。\"}]}");
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.headers().firstValue("x-switchboard-route-reason").orElseThrow())
        .doesNotContain("language=");
    // No user message: undetermined, so the language rule does not match.
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"assistant\",\"content\":\"你好\"}]}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-target-model")).contains("gpt-4o");
    assertThat(response.headers().firstValue("x-switchboard-route-reason").orElseThrow())
        .contains("language=und");
  }
}
