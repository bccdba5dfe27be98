package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThoughtSignedChatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode chat() throws Exception {
    return (ObjectNode)
        JSON.readTree(
            """
            {"model":"gemini-3-flash-preview","messages":[
              {"role":"user","content":"weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                "function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"}]}
            """);
  }

  private static String sentSignature(ObjectNode chat) {
    ObjectNode gemini = GeminiRequests.chat(chat, "gemini-3-flash-preview");
    return gemini.path("contents").get(1).path("parts").get(0).path("thoughtSignature").asText();
  }

  @Test
  void aDeepCopyStillHandsGeminiTheCallsOwnSignature() throws Exception {
    ThoughtSignedChat signed = new ThoughtSignedChat(chat(), Map.of("call_1", "sig-from-google"));

    ObjectNode copy = signed.deepCopy();
    copy.put("stream", true);

    assertThat(sentSignature(copy)).isEqualTo("sig-from-google");
    assertThat(signed.has("stream")).as("the copy is deep").isFalse();
  }

  @Test
  void aShallowCopyKeepsTheSignaturesAndLeavesTheSharedFormAsItWas() throws Exception {
    ThoughtSignedChat signed = new ThoughtSignedChat(chat(), Map.of("call_1", "sig-from-google"));

    ObjectNode copy = ThoughtSignedChat.shallowCopy(signed); // as the evaluation mirror copies it
    copy.put("stream", true);
    copy.putObject("stream_options").put("include_usage", true);

    assertThat(sentSignature(copy)).isEqualTo("sig-from-google");
    assertThat(signed.has("stream")).as("top-level fields are the copy's own").isFalse();
    assertThat(signed.has("stream_options")).isFalse();
    assertThat(copy.get("messages"))
        .as("values are shared, not copied")
        .isSameAs(signed.get("messages"));

    ObjectNode plain = chat();
    ObjectNode plainCopy = ThoughtSignedChat.shallowCopy(plain);
    plainCopy.put("stream", true);
    assertThat(plain.has("stream")).isFalse();
    assertThat(plainCopy).isNotInstanceOf(ThoughtSignedChat.class);
    assertThat(sentSignature(plainCopy)).isEqualTo(GeminiRequests.UNSIGNED_CALL_SIGNATURE);
  }

  @Test
  void aPlainChatFormGetsGooglesPlaceholderInstead() throws Exception {
    assertThat(sentSignature(chat().deepCopy())).isEqualTo(GeminiRequests.UNSIGNED_CALL_SIGNATURE);
  }
}
