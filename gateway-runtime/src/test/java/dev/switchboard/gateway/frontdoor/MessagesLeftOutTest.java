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

  /**
   * Chat completions has no place for the thinking in a Messages history: the client's {@code
   * thinking} and {@code redacted_thinking} blocks are left out and named once each; the gateway's
   * own carrier of a Gemini thought signature is not the client's thinking and is not named.
   */
  @Test
  void namesTheThinkingBlocksTheChatFormLeavesOut() throws Exception {
    String use =
        "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
            + "\"tool_use_id\":\"t1\",\"content\":\"ok\"}]}]}";
    ObjectNode request =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"m\",\"max_tokens\":16,\"messages\":["
                    + "{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":["
                    + "{\"type\":\"thinking\",\"thinking\":\"let me see\",\"signature\":\"EqQB\"},"
                    + "{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"},"
                    + "{\"type\":\"thinking\",\"thinking\":\"more\",\"signature\":\"EqQC\"},"
                    + use);

    ChatForm form = MessagesTranslation.toChatForm(request);

    assertThat(form.leftOut())
        .containsExactly("messages[].content[].thinking", "messages[].content[].redacted_thinking");
    assertThat(form.chat().toString()).doesNotContain("let me see");

    ObjectNode carried =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"m\",\"max_tokens\":16,\"messages\":["
                    + "{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":["
                    + "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\""
                    + ThoughtCarrier.carry("sig-1")
                    + "\"},"
                    + use);
    assertThat(MessagesTranslation.toChatForm(carried).leftOut())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * A base64 PDF document goes to a chat target as chat's file part (its data as a PDF data URL,
   * its title as the file name), so the request is bridgeable; the citations it asks for and its
   * context have no chat place and are named. A document by URL stays Anthropic's alone.
   */
  @Test
  void bridgesABase64PdfDocumentAsAFilePart() throws Exception {
    String message =
        "{\"model\":\"m\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
            + "\"content\":[%s,{\"type\":\"text\",\"text\":\"summarise\"}]}]}";
    ObjectNode request =
        (ObjectNode)
            JSON.readTree(
                message.formatted(
                    "{\"type\":\"document\",\"title\":\"q3.pdf\",\"context\":\"finance\","
                        + "\"citations\":{\"enabled\":true},\"source\":{\"type\":\"base64\","
                        + "\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}}"));

    ChatForm form = MessagesTranslation.toChatForm(request);

    assertThat(form.bridgeable()).isTrue();
    assertThat(form.chat().at("/messages/0/content").toString())
        .isEqualTo(
            "[{\"type\":\"file\",\"file\":{\"filename\":\"q3.pdf\","
                + "\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}},"
                + "{\"type\":\"text\",\"text\":\"summarise\"}]");
    assertThat(form.leftOut())
        .containsExactly("messages[].content[].citations", "messages[].content[].context");

    ObjectNode untitled =
        (ObjectNode)
            JSON.readTree(
                message.formatted(
                    "{\"type\":\"document\",\"source\":{\"type\":\"base64\","
                        + "\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}}"));
    ChatForm plain = MessagesTranslation.toChatForm(untitled);
    assertThat(plain.chat().at("/messages/0/content/0/file/filename").asText())
        .isEqualTo("document.pdf"); // OpenAI refuses file data without a name
    assertThat(plain.leftOut()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);

    ObjectNode byUrl =
        (ObjectNode)
            JSON.readTree(
                message.formatted(
                    "{\"type\":\"document\",\"source\":{\"type\":\"url\","
                        + "\"url\":\"https://example.com/q3.pdf\"}}"));
    assertThat(MessagesTranslation.toChatForm(byUrl).bridgeable()).isFalse();
  }

  /** A schema keyword an adapter leaves out is named where the Messages request holds it. */
  @Test
  void namesASchemaKeywordWhereTheMessagesRequestHoldsIt() {
    assertThat(MessagesTranslation.clientParam("tools[].function.parameters.multipleOf"))
        .isEqualTo("tools[].input_schema.multipleOf");
    assertThat(MessagesTranslation.clientParam("response_format.json_schema.schema.format"))
        .isEqualTo("output_config.format.schema.format");
    assertThat(MessagesTranslation.clientParam("tools[].function.parametersX"))
        .isEqualTo("tools[].function.parametersX");
  }
}
