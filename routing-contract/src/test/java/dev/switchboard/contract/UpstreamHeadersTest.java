package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstreamHeadersTest {

  @Test
  void ordinaryProviderHeadersPass() {
    assertThat(UpstreamHeaders.problem("OpenAI-Organization", "org-1")).isEmpty();
    assertThat(UpstreamHeaders.problem("x-portkey-config", "a b\tc ~!")).isEmpty();
  }

  @Test
  void aValueWithALineBreakIsRefusedByNameWithoutQuotingIt() {
    assertThat(UpstreamHeaders.problem("X-Team", "a\r\nX-Injected: 1"))
        .get()
        .asString()
        .contains("'X-Team'")
        .contains("line break")
        .doesNotContain("X-Injected");
    assertThat(UpstreamHeaders.problem("X-Team", "a\u0000b")).isPresent();
    assertThat(UpstreamHeaders.problem("X-Team", "café")).isPresent();
  }

  @Test
  void aNameThatIsNoTokenOrAConnectionHeaderIsRefused() {
    assertThat(UpstreamHeaders.problem("X Team", "a")).isPresent();
    assertThat(UpstreamHeaders.problem("X-Team:", "a")).isPresent();
    assertThat(UpstreamHeaders.problem("", "a")).isPresent();
    assertThat(UpstreamHeaders.problem("Transfer-Encoding", "chunked"))
        .get()
        .asString()
        .contains("connection or framing");
    assertThat(UpstreamHeaders.problem("connection", "close")).isPresent();
    // Ignored by the gateway, as they always were: not refused.
    assertThat(UpstreamHeaders.problem("Host", "api.example")).isEmpty();
  }

  /** A hand-written table (the gateway's file mode) with such a header is rejected as a whole. */
  @Test
  void aTableWithABadProviderHeaderIsRejected() {
    RoutingTable.Provider ok =
        RoutingTableCodecTest.provider("openai-prod", "https://api.openai.com/v1");
    RoutingTable.Provider bad =
        new RoutingTable.Provider(
            ok.name(),
            ok.kind(),
            ok.baseUrl(),
            ok.hasKey(),
            ok.apiVersion(),
            Map.of("X-Team", "a\nb", "Transfer-Encoding", "chunked"),
            ok.timeouts(),
            ok.maxConcurrency(),
            ok.maxResponseBytes(),
            ok.quota(),
            ok.healthCheck(),
            ok.models(),
            ok.concurrencyScope(),
            ok.commitment());
    List<String> problems =
        RoutingTableValidator.validate(RoutingTableCodecTest.sample(Map.of("openai-prod", bad)));
    assertThat(problems)
        .anyMatch(p -> p.startsWith("provider openai-prod: ") && p.contains("'X-Team'"))
        .anyMatch(p -> p.contains("'Transfer-Encoding'"))
        .noneMatch(p -> p.contains("a\nb"));
    assertThat(
            RoutingTableValidator.validate(RoutingTableCodecTest.sample(Map.of("openai-prod", ok))))
        .isEmpty();
  }
}
