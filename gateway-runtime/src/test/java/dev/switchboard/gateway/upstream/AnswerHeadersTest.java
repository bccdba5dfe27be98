package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link UpstreamRequests#answerHeaders}: the static headers that can change an answer, as a hash
 * for the cache's target identity — never a credential, the key header or what is not sent.
 */
class AnswerHeadersTest {

  static RoutingTable.Provider provider(
      Map<String, String> headers, RoutingTable.ApiKeyHeader keyHeader) {
    return new RoutingTable.Provider(
        "p",
        "openai-compatible",
        "http://localhost:1",
        true,
        null,
        headers,
        null,
        null,
        null,
        null,
        null,
        Map.of(),
        null,
        null,
        keyHeader);
  }

  static String hash(Map<String, String> headers) {
    return UpstreamRequests.answerHeaders(provider(headers, null));
  }

  @Test
  void aFeatureFlagIsInItHashedWithNamesInAnyCaseAndOrder() {
    String flag = hash(Map.of("anthropic-beta", "prompt-caching-2024-07-31"));
    assertThat(flag).hasSize(64).doesNotContain("anthropic").doesNotContain("prompt");
    assertThat(hash(Map.of("Anthropic-Beta", "prompt-caching-2024-07-31"))).isEqualTo(flag);
    assertThat(hash(Map.of("anthropic-beta", "other"))).isNotEqualTo(flag);

    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("x-ms-a", "1");
    ab.put("x-ms-b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("X-MS-B", "2");
    ba.put("x-ms-a", "1");
    assertThat(hash(ab)).isEqualTo(hash(ba)).isNotEqualTo(hash(Map.of("x-ms-a", "1")));
  }

  @Test
  void noCredentialNorTheKeyHeaderNorWhatIsNotSent() {
    assertThat(hash(Map.of())).isEmpty();
    assertThat(
            hash(
                Map.of(
                    "Authorization", "Bearer sk-1",
                    "x-api-key", "sk-2",
                    "Ocp-Apim-Subscription-Key", "sub",
                    "content-type", "text/plain",
                    "accept", "text/plain",
                    "user-agent", "me")))
        .isEmpty();
    String flag = hash(Map.of("x-feature", "on"));
    assertThat(hash(Map.of("x-feature", "on", "x-api-key", "sk-rotated"))).isEqualTo(flag);
    // The provider's own key header, in any case, is the key: not in it.
    RoutingTable.ApiKeyHeader own = new RoutingTable.ApiKeyHeader("X-Subscription", null);
    assertThat(
            UpstreamRequests.answerHeaders(
                provider(Map.of("x-feature", "on", "x-subscription", "one"), own)))
        .isEqualTo(flag);
  }

  @Test
  void madeOncePerProviderRecord() {
    RoutingTable.Provider p = provider(Map.of("x-feature", "on"), null);
    assertThat(UpstreamRequests.answerHeaders(p)).isSameAs(UpstreamRequests.answerHeaders(p));
  }
}
