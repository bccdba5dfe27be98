package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The cache keys of fixed requests, pinned: keys name entries in the shared store (Redis) that
 * replicas of different versions read during a rolling upgrade, so a change of the canonical form
 * or of how it is hashed must be deliberate (and would cost every shared entry), never a side
 * effect of making the hashing cheaper. And equal JSON spelled differently (key order, 0 vs 0.0)
 * keys alike; different requests never do.
 */
class CacheRequestKeysTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String FULL =
      "{\"model\":\"m\",\"temperature\":0.2,\"top_p\":1,\"seed\":42,\"max_tokens\":100,"
          + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
          + "{\"role\":\"user\",\"content\":\"Hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"Hello! How can I help?\"},"
          + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Grüße — 天气？\"}]}],"
          + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
          + "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}}}}}],"
          + "\"tool_choice\":\"auto\",\"response_format\":{\"type\":\"json_object\"},"
          + "\"stop\":[\"\\n\\n\"],\"logprobs\":false,\"user\":null,\"stream\":true,"
          + "\"stream_options\":{\"include_usage\":true}}";

  private static final String SHORT =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello #1\"}]}";

  private static final String SCOPE = "tenant|route|chat|stream|p/m|stable";

  @Test
  void keysOfFixedRequestsDoNotChange() throws Exception {
    CacheRequest full = CacheRequest.of(chat(FULL), SCOPE, false);
    assertThat(full.exactKey())
        .isEqualTo("e65caad81a80ffd7afdc003aef22d1e8c7df52e540d20ea725ab1a0ced431fe7");
    assertThat(full.partition())
        .isEqualTo("0cafae34f6ccfd1ce7b9df22a3c6ef1851e359e739753d8ff415e3e3bd771946");
    assertThat(full.semanticText()).isEqualTo("Grüße — 天气？");
    CacheRequest conversation = CacheRequest.of(chat(FULL), SCOPE, true);
    assertThat(conversation.exactKey()).isEqualTo(full.exactKey());
    assertThat(conversation.partition())
        .isEqualTo("d46bd63fee5e60876d3d1800f0431b4a00ecc8c036cd98b048ec3b3b20969c90");
    CacheRequest small = CacheRequest.of(chat(SHORT), "scope", false);
    assertThat(small.exactKey())
        .isEqualTo("f94ddd6b5ca5c3936e6bbb28d68a2d259084a7016328a750d2b4231c858e9a45");
    assertThat(small.partition())
        .isEqualTo("6366be19cdf5b376542b6c34b8fd1307c4c5f371204850ee81b290971d6face4");
  }

  @Test
  void exactOnlyRequestsKeyTheSameWithoutAPartition() throws Exception {
    CacheRequest both = CacheRequest.of(chat(FULL), SCOPE, false);
    CacheRequest exactOnly = CacheRequest.exactOnly(chat(FULL), SCOPE);
    assertThat(exactOnly.exactKey()).isEqualTo(both.exactKey());
    assertThat(exactOnly.partition()).isNull();
    assertThat(exactOnly.semanticText()).isNull();
    assertThat(exactOnly.temperature()).isEqualTo(0.2);
  }

  @Test
  void equalJsonSpelledDifferentlyKeysAlike() throws Exception {
    String reordered =
        "{\"messages\":[{\"content\":\"Say hello #1\",\"role\":\"user\"}],\"model\":\"m\"}";
    assertThat(CacheRequest.of(chat(reordered), "scope", false))
        .isEqualTo(CacheRequest.of(chat(SHORT), "scope", false));
    String zero = SHORT.replace("\"model\":\"m\"", "\"model\":\"m\",\"temperature\":0");
    String zeroPointZero = zero.replace("\"temperature\":0", "\"temperature\":0.00");
    assertThat(CacheRequest.exactOnly(chat(zero), "scope").exactKey())
        .isEqualTo(CacheRequest.exactOnly(chat(zeroPointZero), "scope").exactKey());
  }

  @Test
  void differentRequestsNeverKeyAlike() throws Exception {
    String base = CacheRequest.exactOnly(chat(SHORT), "scope").exactKey();
    for (String other :
        new String[] {
          SHORT.replace("#1", "#2"),
          SHORT.replace("\"user\"", "\"system\""),
          SHORT.replace("}]}", "}],\"seed\":1}"),
          SHORT.replace("}]}", "}],\"temperature\":0.1}"),
          SHORT.replace("}]}", "}],\"n\":\"1\"}"),
          SHORT.replace("\"Say hello #1\"", "[{\"type\":\"text\",\"text\":\"Say hello #1\"}]")
        }) {
      assertThat(CacheRequest.exactOnly(chat(other), "scope").exactKey())
          .as(other)
          .isNotEqualTo(base);
    }
    assertThat(CacheRequest.exactOnly(chat(SHORT), "scope2").exactKey()).isNotEqualTo(base);
    // The model is the scope's business (the resolved target), not the request's.
    assertThat(CacheRequest.exactOnly(chat(SHORT.replace("\"m\"", "\"x\"")), "scope").exactKey())
        .isEqualTo(base);
  }

  @Test
  void anotherDoorsBodyPartitionsWhatItsChatFormLeavesOut() throws Exception {
    ObjectNode chat = chat(SHORT);
    String follow = "{\"model\":\"m\",\"input\":\"Say hello #1\",\"previous_response_id\":\"%s\"}";
    CacheRequest a =
        CacheRequest.of(chat, chat(follow.formatted("resp_a")), "input", "s", false, "e");
    CacheRequest b =
        CacheRequest.of(chat, chat(follow.formatted("resp_b")), "input", "s", false, "e");
    assertThat(a.exactKey()).isNotEqualTo(b.exactKey());
    assertThat(a.partition()).isNotEqualTo(b.partition());
    assertThat(a.semanticText()).isEqualTo("Say hello #1");
    // The temperature stays the one tolerated difference; the embedded turn is not partitioned.
    String other = "{\"model\":\"m\",\"temperature\":0.1,\"input\":\"Hi there\"}";
    assertThat(CacheRequest.of(chat, chat(other), "input", "s", false, "e").partition())
        .isEqualTo(
            CacheRequest.of(
                    chat, chat(other.replace("Hi there", "Hello")), "input", "s", false, "e")
                .partition());
    // A file the chat form cannot carry: never embedded (its text alone is not the question).
    String file =
        "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\","
            + "\"file_id\":\"f\"},{\"type\":\"input_text\",\"text\":\"Say hello #1\"}]}]}";
    assertThat(CacheRequest.of(chat, chat(file), "input", "s", false, "e").semanticText()).isNull();
  }

  private static ObjectNode chat(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }
}
