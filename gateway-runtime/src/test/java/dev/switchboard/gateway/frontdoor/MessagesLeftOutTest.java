package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import org.junit.jupiter.api.Test;

/** What a Messages request bridged through chat completions does not carry, in its own names. */
class MessagesLeftOutTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Chat completions has no place for Anthropic's prompt-caching breakpoints: the {@code
   * cache_control} of system blocks, content blocks (a tool result's too) and tools is left out of
   * the chat form and named once each, after the top-level fields.
   */
  @Test
  void namesTheCacheControlTheChatFormLeavesOut() throws Exception {
    String cache = "\"cache_control\":{\"type\":\"ephemeral\"}";
    ObjectNode request =
        (ObjectNode)
            JSON.readTree(
                ("{\"model\":\"m\",\"max_tokens\":16,\"top_k\":5,"
                        + "\"system\":[{\"type\":\"text\",\"text\":\"be brief\",%1$s}],"
                        + "\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"},%1$s}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"text\",\"text\":\"hi\",%1$s},"
                        + "{\"type\":\"text\",\"text\":\"again\",%1$s}]}]}")
                    .formatted(cache));

    ChatForm form = MessagesTranslation.toChatForm(request);

    assertThat(form.leftOut())
        .containsExactly(
            "top_k",
            "system[].cache_control",
            "messages[].content[].cache_control",
            "tools[].cache_control");
    assertThat(form.chat().toString()).doesNotContain("cache_control");

    ObjectNode plain =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"m\",\"max_tokens\":16,\"system\":[{\"type\":\"text\",\"text\":\"x\"}],"
                    + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"hi\",\"cache_control\":null}]}]}");
    assertThat(MessagesTranslation.toChatForm(plain).leftOut())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }
}
