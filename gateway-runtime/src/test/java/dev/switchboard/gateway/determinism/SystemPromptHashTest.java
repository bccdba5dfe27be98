package dev.switchboard.gateway.determinism;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SystemPromptHashTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode body(String json) throws Exception {
    return JSON.readTree(json);
  }

  @Test
  void hashesTheSystemAndDeveloperMessagesInOrderEachEndedByANewline() throws Exception {
    String hash =
        SystemPromptHash.of(
            body(
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Be terse.\"},"
                    + "{\"role\":\"user\",\"content\":\"Hi\"},"
                    + "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"No \"},"
                    + "{\"type\":\"text\",\"text\":\"emoji.\"}]}]}"));

    assertThat(hash).isEqualTo(SystemPromptHash.sha256Hex("Be terse.\nNo emoji.\n"));
    // The known SHA-256 of a fixed text, so the hex encoding itself is checked too.
    assertThat(SystemPromptHash.sha256Hex("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void userMessagesDoNotChangeItButTheSystemPromptDoes() throws Exception {
    String a =
        SystemPromptHash.of(
            body(
                "{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"one\"}]}"));
    String b =
        SystemPromptHash.of(
            body(
                "{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"two\"}]}"));
    String c =
        SystemPromptHash.of(
            body(
                "{\"messages\":[{\"role\":\"system\",\"content\":\"T\"},{\"role\":\"user\",\"content\":\"one\"}]}"));

    assertThat(a).isEqualTo(b).isNotEqualTo(c).hasSize(64);
  }

  @Test
  void withoutASystemPromptItIsTheHashOfNothing() throws Exception {
    assertThat(SystemPromptHash.of(body("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(SystemPromptHash.of(body("{\"input\":\"embed me\"}")))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
}
