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

  @Test
  void aKeyMayGoUnderAnApiGatewaysHeaderWithOrWithoutAScheme() {
    assertThat(UpstreamHeaders.keyHeaderProblem("Ocp-Apim-Subscription-Key", null)).isEmpty();
    assertThat(UpstreamHeaders.keyHeaderProblem("apikey", null)).isEmpty();
    assertThat(UpstreamHeaders.keyHeaderProblem("Authorization", "Bearer ")).isEmpty();
    assertThat(UpstreamHeaders.keyHeaderProblem("X-Auth", "Token")).isEmpty();
  }

  @Test
  void aKeyHeaderTheGatewayOrTheConnectionOwnsIsRefused() {
    for (String owned :
        List.of(
            "Host",
            "content-length",
            "Content-Type",
            "Accept",
            "User-Agent",
            "X-Request-Id",
            "Proxy-Authorization",
            "Connection",
            "Transfer-Encoding",
            "TE",
            "Upgrade")) {
      assertThat(UpstreamHeaders.keyHeaderProblem(owned, null))
          .as(owned)
          .get()
          .asString()
          .contains("sets itself");
    }
    assertThat(UpstreamHeaders.keyHeaderProblem("X Key", null))
        .get()
        .asString()
        .contains("not a valid HTTP header name");
    assertThat(UpstreamHeaders.keyHeaderProblem("", null)).isPresent();
    assertThat(UpstreamHeaders.keyHeaderProblem("x".repeat(129), null)).isPresent();
  }

  /** A prefix is a scheme: a key pasted into it is refused, and the message does not quote it. */
  @Test
  void aPrefixThatIsNoSchemeIsRefusedWithoutQuotingIt() {
    String key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyz";
    assertThat(UpstreamHeaders.keyHeaderProblem("Authorization", "Bearer " + key))
        .get()
        .asString()
        .contains("apiKeyHeader.prefix")
        .doesNotContain(key);
    assertThat(UpstreamHeaders.keyHeaderProblem("Authorization", "Bearer\r\n")).isPresent();
    assertThat(UpstreamHeaders.keyHeaderProblem("Authorization", " ")).isPresent();
    assertThat(UpstreamHeaders.keyHeaderProblem("Authorization", "Bearer  ")).isPresent();
  }

  @Test
  void credentialHeadersAreKnownInAnyCase() {
    assertThat(UpstreamHeaders.isCredentialHeader("OCP-APIM-SUBSCRIPTION-KEY")).isTrue();
    assertThat(UpstreamHeaders.isCredentialHeader("apikey")).isTrue();
    assertThat(UpstreamHeaders.isCredentialHeader("X-Api-Key")).isTrue();
    assertThat(UpstreamHeaders.isCredentialHeader("OpenAI-Organization")).isFalse();
    assertThat(UpstreamHeaders.isCredentialHeader("Idempotency-Key")).isFalse();
  }

  /** A hand-written table naming a header the gateway owns for the key is rejected. */
  @Test
  void aTableWithABadKeyHeaderIsRejectedAndOneWithoutItDecodesAsBefore() {
    RoutingTable.Provider ok =
        RoutingTableCodecTest.provider("openai-prod", "https://api.openai.com/v1");
    assertThat(ok.apiKeyHeader()).isNull();
    assertThat(
            RoutingTableCodec.encodeToString(
                RoutingTableCodecTest.sample(Map.of("openai-prod", ok))))
        .doesNotContain("apiKeyHeader");
    RoutingTable.Provider bad = withKeyHeader(ok, new RoutingTable.ApiKeyHeader("Host", null));
    assertThat(
            RoutingTableValidator.validate(
                RoutingTableCodecTest.sample(Map.of("openai-prod", bad))))
        .anyMatch(p -> p.startsWith("provider openai-prod: apiKeyHeader.name 'Host'"));
    RoutingTable.Provider apim =
        withKeyHeader(ok, new RoutingTable.ApiKeyHeader("Ocp-Apim-Subscription-Key", null));
    RoutingTable table = RoutingTableCodecTest.sample(Map.of("openai-prod", apim));
    assertThat(RoutingTableValidator.validate(table)).isEmpty();
    assertThat(RoutingTableCodec.decode(RoutingTableCodec.encode(table)).providers())
        .extractingByKey("openai-prod")
        .extracting(RoutingTable.Provider::apiKeyHeader)
        .isEqualTo(new RoutingTable.ApiKeyHeader("Ocp-Apim-Subscription-Key", null));
  }

  private static RoutingTable.Provider withKeyHeader(
      RoutingTable.Provider p, RoutingTable.ApiKeyHeader keyHeader) {
    return new RoutingTable.Provider(
        p.name(),
        p.kind(),
        p.baseUrl(),
        p.hasKey(),
        p.apiVersion(),
        p.headers(),
        p.timeouts(),
        p.maxConcurrency(),
        p.maxResponseBytes(),
        p.quota(),
        p.healthCheck(),
        p.models(),
        p.concurrencyScope(),
        p.commitment(),
        keyHeader);
  }

  /** The CRD's CEL rule refuses exactly the names the code refuses. */
  @Test
  void theSchemaPatternOfOwnedHeadersIsTheCodesList() {
    java.util.regex.Pattern owned =
        java.util.regex.Pattern.compile(UpstreamHeaders.OWNED_HEADER_PATTERN);
    java.util.Set<String> all = new java.util.HashSet<>(UpstreamHeaders.CONNECTION_HEADERS);
    all.addAll(UpstreamHeaders.GATEWAY_HEADERS);
    for (String name : all) {
      assertThat(owned.matcher(name.toUpperCase(java.util.Locale.ROOT)).matches())
          .as(name)
          .isTrue();
    }
    assertThat(UpstreamHeaders.OWNED_HEADER_PATTERN.split("\\|")).hasSize(all.size());
    assertThat(owned.matcher("Ocp-Apim-Subscription-Key").matches()).isFalse();
    assertThat("Bearer ").matches(UpstreamHeaders.KEY_PREFIX_PATTERN);
    assertThat("Ocp-Apim-Subscription-Key").matches(UpstreamHeaders.TOKEN_PATTERN);
  }
}
