package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import org.junit.jupiter.api.Test;

/** What a Responses request bridged through chat completions does not carry, in its own names. */
class ResponsesBridgeLeftOutTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode request(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void namesTheClientsFieldsChatCompletionsHasNoPlaceFor() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"metadata\":{\"k\":\"v\"},\"user\":\"u-1\","
                + "\"include\":[\"code_interpreter_call.outputs\"],\"max_tool_calls\":3,"
                + "\"top_logprobs\":2,\"service_tier\":\"flex\",\"truncation\":\"auto\","
                + "\"text\":{\"format\":{\"type\":\"json_object\"},\"verbosity\":\"low\"},"
                + "\"reasoning\":{\"effort\":\"low\",\"summary\":\"auto\"},\"prompt_cache_key\":null}");

    assertThat(ResponsesBridge.leftOut(request))
        .containsExactly(
            "metadata",
            "include",
            "max_tool_calls",
            "top_logprobs",
            "truncation",
            "reasoning.summary");
    ObjectNode chat = ResponsesBridge.toChat(request);
    assertThat(chat.has("metadata")).isFalse();
    assertThat(chat.path("user").asText()).isEqualTo("u-1");
    assertThat(chat.path("service_tier").asText()).isEqualTo("flex");
    assertThat(chat.path("verbosity").asText()).isEqualTo("low");
    assertThat(chat.has("prompt_cache_key")).isFalse();
  }

  /** Fields the bridge leaves out with the value they have when absent ask for nothing. */
  @Test
  void namesNothingLeftOutWithItsDefaultValue() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"metadata\":{},\"include\":[],"
                + "\"top_logprobs\":0,\"parallel_tool_calls\":true}");

    assertThat(ResponsesBridge.leftOut(request)).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * What a target's adapter leaves out of the chat form is named as the client named it: a strict
   * function tool's {@code strict} sits at the top of a Responses tool.
   */
  @Test
  void namesWhatAnAdapterLeftOutOfTheChatFormInTheClientsNames() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"max_output_tokens\":9,\"tools\":[{\"type\":"
                + "\"function\",\"name\":\"f\",\"strict\":true,\"parameters\":{}}]}");

    ObjectNode chat = ResponsesBridge.toChat(request);

    assertThat(chat.at("/tools/0/function/strict").asBoolean()).isTrue();
    assertThat(ResponsesBridge.clientParam("tools[].function.strict")).isEqualTo("tools[].strict");
    assertThat(ResponsesBridge.clientParam("max_tokens")).isEqualTo("max_output_tokens");
  }

  /** A service tier chat completions does not know (the Responses API's ultrafast) is named. */
  @Test
  void namesAServiceTierChatCompletionsDoesNotKnow() throws Exception {
    ObjectNode request =
        request("{\"model\":\"m\",\"input\":\"hi\",\"service_tier\":\"ultrafast\"}");

    assertThat(ResponsesBridge.leftOut(request)).containsExactly("service_tier");
    assertThat(ResponsesBridge.toChat(request).has("service_tier")).isFalse();
  }

  /**
   * What the bridge carries, or honours by not sending (no storage, no truncation), is not named.
   */
  @Test
  void namesNothingWhenTheChatFormCarriesEverything() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"instructions\":\"be brief\",\"user\":\"u-1\","
                + "\"seed\":7,\"temperature\":0.3,\"top_p\":0.9,\"max_output_tokens\":9,"
                + "\"store\":false,\"background\":false,\"truncation\":\"disabled\","
                + "\"stream\":true,\"text\":{\"format\":{\"type\":\"text\"}},"
                + "\"reasoning\":{\"effort\":\"high\"},\"metadata\":null,"
                + "\"service_tier\":\"priority\",\"safety_identifier\":\"h-1\","
                + "\"prompt_cache_key\":\"k-1\",\"prompt_cache_retention\":\"24h\","
                + "\"prompt_cache_options\":{\"ttl\":\"30m\"}}");
    ((ObjectNode) request.get("text")).put("verbosity", "high");

    assertThat(ResponsesBridge.leftOut(request)).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    ObjectNode chat = ResponsesBridge.toChat(request);
    assertThat(chat.path("service_tier").asText()).isEqualTo("priority");
    assertThat(chat.path("safety_identifier").asText()).isEqualTo("h-1");
    assertThat(chat.path("prompt_cache_key").asText()).isEqualTo("k-1");
    assertThat(chat.path("prompt_cache_retention").asText()).isEqualTo("24h");
    assertThat(chat.at("/prompt_cache_options/ttl").asText()).isEqualTo("30m");
    assertThat(chat.path("verbosity").asText()).isEqualTo("high");
  }

  /**
   * A reasoning item of the client's (an OpenAI model's earlier reasoning handed back) has no place
   * in chat completions: left out and named once, after the top-level fields; the gateway's own
   * carrier of a Gemini thought signature is not the client's and is not named.
   */
  @Test
  void namesTheClientsReasoningItemsTheChatFormLeavesOut() throws Exception {
    String call =
        "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"},"
            + "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ok\"}";
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"include\":[\"reasoning.encrypted_content\"],\"input\":["
                + "{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],"
                + "\"encrypted_content\":\"gAAAA-opaque\"},"
                + call
                + ",{\"type\":\"reasoning\",\"id\":\"rs_2\",\"summary\":[{\"type\":"
                + "\"summary_text\",\"text\":\"thought\"}]}]}");

    ChatForm form = new ResponsesFrontDoor(null).toChat(request);

    // Encrypted reasoning asked for is carried (an Anthropic target's thinking blocks): not named.
    assertThat(form.leftOut()).containsExactly("input[].reasoning");
    assertThat(form.chat().toString()).doesNotContain("rs_1").doesNotContain("thought");

    ObjectNode carried =
        request(
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],"
                + "\"encrypted_content\":\""
                + ThoughtCarrier.carry("sig-1")
                + "\"},"
                + call
                + "]}");
    assertThat(new ResponsesFrontDoor(null).toChat(carried).leftOut())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * A user message's file (by its data) and audio are carried as chat's {@code file} and {@code
   * input_audio} parts, not refused; a file by id or URL (chat has no place for either) keeps the
   * request to the targets that speak the Responses API.
   */
  @Test
  void carriesAUserMessagesFileAndAudioAsChatParts() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"input_text\",\"text\":\"sum up\"},"
                + "{\"type\":\"input_file\",\"filename\":\"a.pdf\","
                + "\"file_data\":\"data:application/pdf;base64,JVBERi0=\"},"
                + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\","
                + "\"format\":\"wav\"}}]}]}");

    ChatForm form = new ResponsesFrontDoor(null).toChat(request);

    assertThat(form.bridgeable()).isTrue();
    assertThat(form.leftOut()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    assertThat(form.chat().path("messages").get(0).path("content"))
        .isEqualTo(
            JSON.readTree(
                "[{\"type\":\"text\",\"text\":\"sum up\"},"
                    + "{\"type\":\"file\",\"file\":{\"file_data\":"
                    + "\"data:application/pdf;base64,JVBERi0=\",\"filename\":\"a.pdf\"}},"
                    + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\","
                    + "\"format\":\"wav\"}}]"));

    for (String byReference :
        new String[] {"\"file_id\":\"file-abc\"", "\"file_url\":\"https://x/a.pdf\""}) {
      ResponsesBridge.Problem problem =
          ResponsesBridge.problem(
              request(
                  "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":["
                      + "{\"type\":\"input_file\","
                      + byReference
                      + "}]}]}"));
      assertThat(problem).as(byReference).isNotNull();
      assertThat(problem.param()).isEqualTo("input[0].content");
    }
  }

  /**
   * A chat system or assistant message carries text only: the images, files and audio of a
   * Responses system, developer or assistant message are left out and named, once per type.
   */
  @Test
  void namesTheMediaOfAMessageChatCarriesAsTextOnly() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":[{\"role\":\"developer\",\"content\":["
                + "{\"type\":\"input_text\",\"text\":\"rules\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"https://x/i.png\"}]},"
                + "{\"role\":\"user\",\"content\":\"hi\"}]}");

    ChatForm form = new ResponsesFrontDoor(null).toChat(request);

    assertThat(form.leftOut()).containsExactly("input[].content[].input_image");
    assertThat(form.chat().path("messages").get(0).path("content").asText()).isEqualTo("rules");
  }

  /**
   * {@code include: ["message.output_text.logprobs"]} with {@code top_logprobs} asks the chat form
   * for {@code logprobs} and {@code top_logprobs}, and the bridged answer's output text carries the
   * chat choice's token logprobs back; nothing is named. A stream asks for them alike (its bridged
   * text events carry them, {@link ResponsesStreamEncodersTest}); another {@code include} value is
   * named.
   */
  @Test
  void carriesTheOutputTextsLogprobsThereAndBack() throws Exception {
    ObjectNode request =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"top_logprobs\":2,"
                + "\"include\":[\"message.output_text.logprobs\"]}");

    assertThat(ResponsesBridge.leftOut(request)).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    ObjectNode chat = ResponsesBridge.toChat(request);
    assertThat(chat.path("logprobs").asBoolean()).isTrue();
    assertThat(chat.path("top_logprobs").asInt()).isEqualTo(2);
    // An adapter that leaves chat's logprobs out names what the client asked with.
    assertThat(ResponsesBridge.clientParam("logprobs")).isEqualTo("include");

    String tokens =
        "[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":["
            + "{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105]},"
            + "{\"token\":\"Hey\",\"logprob\":-2.5,\"bytes\":[72,101,121]}]}]";
    ObjectNode response =
        ResponsesObjects.fromChat(
            JSON.readTree(
                "{\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                    + "\"assistant\",\"content\":\"Hi\"},\"logprobs\":{\"content\":"
                    + tokens
                    + "},\"finish_reason\":\"stop\"}]}"),
            request,
            "resp_1",
            0);
    assertThat(response.at("/output/0/content/0/logprobs")).isEqualTo(JSON.readTree(tokens));

    ObjectNode streamed = request.deepCopy().put("stream", true);
    assertThat(ResponsesBridge.leftOut(streamed)).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    ObjectNode streamedChat = ResponsesBridge.toChat(streamed);
    assertThat(streamedChat.path("logprobs").asBoolean()).isTrue();
    assertThat(streamedChat.path("top_logprobs").asInt()).isEqualTo(2);

    ObjectNode more =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"top_logprobs\":2,\"include\":["
                + "\"message.output_text.logprobs\",\"code_interpreter_call.outputs\"]}");
    assertThat(ResponsesBridge.leftOut(more)).containsExactly("include");
    // Encrypted reasoning beside the logprobs is carried too.
    ObjectNode encrypted =
        request(
            "{\"model\":\"m\",\"input\":\"hi\",\"top_logprobs\":2,\"include\":["
                + "\"message.output_text.logprobs\",\"reasoning.encrypted_content\"]}");
    assertThat(ResponsesBridge.leftOut(encrypted)).isEmpty();
  }

  /** A schema keyword an adapter leaves out is named where the Responses request holds it. */
  @Test
  void namesASchemaKeywordWhereTheResponsesRequestHoldsIt() {
    assertThat(ResponsesBridge.clientParam("tools[].function.parameters.additionalProperties"))
        .isEqualTo("tools[].parameters.additionalProperties");
    assertThat(ResponsesBridge.clientParam("response_format.json_schema.schema.format"))
        .isEqualTo("text.format.schema.format");
    assertThat(ResponsesBridge.clientParam("response_format.json_schema.strict"))
        .isEqualTo("text.format.strict");
  }
}
