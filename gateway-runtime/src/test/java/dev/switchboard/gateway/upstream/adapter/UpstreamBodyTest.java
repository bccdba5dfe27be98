package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The body each attempt (and each shadow mirror) sends upstream. */
class UpstreamBodyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static PlannedTarget target(String kind, String model) {
    return new PlannedTarget(
        TestTables.target("p", model, 0),
        TestTables.provider("p", kind, "https://api.example.com/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  private static ObjectNode clientBody() throws Exception {
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void carriesTheTargetsModelAndLeavesTheClientsBodyAsItWas() throws Exception {
    ObjectNode body = clientBody();
    String before = body.toString();

    JsonNode sent =
        JSON.readTree(
            new OpenAiAdapter()
                .encodeRequest(
                    body, target("openai", "gpt-4o-mini"), Operation.CHAT_COMPLETIONS, true)
                .getBytes());

    assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(sent.path("messages")).isEqualTo(body.path("messages"));
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    // The next attempt (or the shadow mirror) starts from the client's body again.
    assertThat(body.toString()).isEqualTo(before);
  }

  @Test
  void sendsAMistralEmbeddingsRequestInMistralsEmbeddingFields() throws Exception {
    // The chat field list kept nothing of an embeddings body but model: every Mistral embeddings
    // request went without its input. Mistral's EmbeddingRequest (client-python): model, input,
    // metadata, output_dimension, output_dtype, encoding_format; OpenAI's dimensions is its
    // output_dimension, and user has no place there.
    PlannedTarget mistral = target("mistral", "mistral-embed");
    ObjectNode body = JSON.createObjectNode();
    body.put("model", "embed");
    body.putArray("input").add("one").add("two");
    body.put("encoding_format", "float");
    body.put("dimensions", 256);
    body.put("user", "u-1");
    String before = body.toString();

    var encoded = new OpenAiAdapter().encode(body, mistral, Operation.EMBEDDINGS, false);
    JsonNode sent = JSON.readTree(encoded.body().getBytes());

    assertThat(sent.path("model").asText()).isEqualTo("mistral-embed");
    assertThat(sent.path("input")).isEqualTo(body.get("input"));
    assertThat(sent.path("encoding_format").asText()).isEqualTo("float");
    assertThat(sent.path("output_dimension").asInt()).isEqualTo(256);
    assertThat(sent.has("dimensions")).isFalse();
    assertThat(sent.has("user")).isFalse();
    assertThat(encoded.unhonoured()).containsExactly("user");
    assertThat(body.toString()).isEqualTo(before);
  }

  @Test
  void sendsMistralOnlyFieldsItKnowsUnderItsOwnNames() throws Exception {
    // Mistral refuses every field it does not know (422 extra_forbidden), the client's own
    // stream_options too; it calls the limit max_tokens and the seed random_seed.
    PlannedTarget mistral = target("mistral", "mistral-large-latest");
    ObjectNode body = clientBody();
    body.put("max_completion_tokens", 64);
    body.put("seed", 7);
    String before = body.toString();

    for (boolean addedUsage : new boolean[] {true, false}) {
      JsonNode sent =
          JSON.readTree(
              new OpenAiAdapter()
                  .encodeRequest(body, mistral, Operation.CHAT_COMPLETIONS, addedUsage)
                  .getBytes());

      assertThat(sent.has("stream_options")).isFalse();
      assertThat(sent.has("max_completion_tokens")).isFalse();
      assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
      assertThat(sent.has("seed")).isFalse();
      assertThat(sent.path("random_seed").asInt()).isEqualTo(7);
    }
    assertThat(body.toString()).isEqualTo(before);
  }

  /**
   * Mistral refuses a {@code name} on any message but a tool result (422 {@code extra_forbidden})
   * and a content part's {@code cache_control}: left out of the messages that carry them and named
   * (a JSON null too is left out, unnamed); the client's messages stay as they were for the next
   * attempt, and a request without them sends the client's messages themselves.
   */
  @Test
  void leavesOutWhatMistralsMessagesDoNotTakeAndNamesIt() throws Exception {
    PlannedTarget mistral = target("mistral", "mistral-large-latest");
    ObjectNode body =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"user\":\"u-1\",\"messages\":["
                    + "{\"role\":\"system\",\"name\":null,\"content\":\"s\"},"
                    + "{\"role\":\"user\",\"name\":\"ann\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"hi\",\"cache_control\":{\"type\":\"ephemeral\"}}]},"
                    + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                    + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"name\":\"f\",\"content\":\"ok\"}]}");
    String before = body.toString();

    UpstreamAdapter.EncodedRequest encoded =
        new OpenAiAdapter().encode(body, mistral, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured())
        .containsExactly("user", "messages[].name", "messages[].content[].cache_control");
    JsonNode sent = JSON.readTree(encoded.body().getBytes());
    assertThat(sent.at("/messages/0").has("name")).isFalse();
    assertThat(sent.at("/messages/1").has("name")).isFalse();
    assertThat(sent.at("/messages/1/content/0").has("cache_control")).isFalse();
    assertThat(sent.at("/messages/1/content/0/text").asText()).isEqualTo("hi");
    assertThat(sent.at("/messages/3/name").asText()).isEqualTo("f");
    assertThat(body.toString()).isEqualTo(before);

    ObjectNode plain = clientBody();
    ((com.fasterxml.jackson.databind.node.ArrayNode) plain.get("messages"))
        .addObject()
        .put("role", "assistant")
        .put("content", "yes");
    assertThat(
            new OpenAiAdapter()
                .encode(plain, mistral, Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * Mistral's chat has no inline file part (its {@code file} chunk takes only an uploaded file's
   * {@code file_id}, and refuses {@code file_data} with a 422): a PDF the client (or the Responses
   * and Messages bridges) sent as a {@code file} part is left out and named, the parts around it
   * are sent in their order, and the client's messages stay as they were.
   */
  @Test
  void leavesOutAFilePartForMistralAndNamesIt() throws Exception {
    PlannedTarget mistral = target("mistral", "mistral-large-latest");
    ObjectNode body =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"text\",\"text\":\"read\"},"
                    + "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\","
                    + "\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}},"
                    + "{\"type\":\"text\",\"text\":\"this\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}");
    String before = body.toString();

    UpstreamAdapter.EncodedRequest encoded =
        new OpenAiAdapter().encode(body, mistral, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured())
        .containsExactly("messages[].content[].file", "messages[].content[].cache_control");
    JsonNode parts = JSON.readTree(encoded.body().getBytes()).at("/messages/0/content");
    assertThat(parts).hasSize(2);
    assertThat(parts.get(0).path("text").asText()).isEqualTo("read");
    assertThat(parts.get(1).path("text").asText()).isEqualTo("this");
    assertThat(parts.get(1).has("cache_control")).isFalse();
    assertThat(body.toString()).isEqualTo(before);
  }

  /**
   * The adapter that leaves fields out reports them, in the request's order, in the same call:
   * those that asked for something (a JSON null asks nothing), not the ones it sent under Mistral's
   * names; a body it sends as asked reports the shared empty list.
   */
  @Test
  void reportsTheFieldsItLeftOutForMistralAndNothingWhenItLeftNothingOut() throws Exception {
    PlannedTarget mistral = target("mistral", "mistral-large-latest");
    ObjectNode body = clientBody();
    body.put("user", "u-1");
    body.put("max_completion_tokens", 64);
    body.put("seed", 7);
    body.put("logprobs", true);
    body.putNull("safety_identifier");
    body.putObject("metadata").put("k", "v");

    UpstreamAdapter.EncodedRequest encoded =
        new OpenAiAdapter().encode(body, mistral, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured()).containsExactly("user", "logprobs");
    JsonNode sent = JSON.readTree(encoded.body().getBytes());
    assertThat(sent.has("user")).isFalse();
    assertThat(sent.has("safety_identifier")).isFalse();
    assertThat(sent.path("metadata").path("k").asText()).isEqualTo("v");

    assertThat(new OpenAiAdapter().encode(clientBody(), mistral, Operation.CHAT_COMPLETIONS, true))
        .extracting(UpstreamAdapter.EncodedRequest::unhonoured)
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    // The same fields reach OpenAI as they are: nothing to report.
    assertThat(
            new OpenAiAdapter()
                .encode(body, target("openai", "gpt-4o"), Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * A chat temperature above Anthropic's maximum is sent as 1 and reported; one it takes is not.
   */
  @Test
  void reportsATemperatureClampedForAnthropic() throws Exception {
    PlannedTarget claude = target("anthropic", "claude-x");
    ObjectNode hot = clientBody().put("temperature", 1.6);
    ObjectNode mild = clientBody().put("temperature", 0.7);

    UpstreamAdapter.EncodedRequest clamped =
        new AnthropicAdapter().encode(hot, claude, Operation.CHAT_COMPLETIONS, false);
    UpstreamAdapter.EncodedRequest asGiven =
        new AnthropicAdapter().encode(mild, claude, Operation.CHAT_COMPLETIONS, false);

    assertThat(clamped.unhonoured()).containsExactly("temperature");
    assertThat(JSON.readTree(clamped.body().getBytes()).path("temperature").asDouble())
        .isEqualTo(1.0);
    assertThat(asGiven.unhonoured()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * Chat fields the Messages translation has no place for are left out and named, in the request's
   * order (the clamped temperature after them); those it maps (user as metadata.user_id, n of 1,
   * stream_options' usage Anthropic always reports) are not, nor a JSON null.
   */
  @Test
  void reportsTheChatFieldsAnthropicIsNotSent() throws Exception {
    PlannedTarget claude = target("anthropic", "claude-x");
    ObjectNode body = clientBody();
    body.put("seed", 7);
    body.put("user", "u-1");
    body.put("n", 1);
    body.put("frequency_penalty", 0.5);
    body.putObject("logit_bias").put("50256", -100);
    body.put("temperature", 1.5);
    body.put("service_tier", "flex");
    body.putNull("presence_penalty");

    UpstreamAdapter.EncodedRequest encoded =
        new AnthropicAdapter().encode(body, claude, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured())
        .containsExactly("seed", "frequency_penalty", "logit_bias", "service_tier", "temperature");
    JsonNode sent = JSON.readTree(encoded.body().getBytes());
    assertThat(sent.path("metadata").path("user_id").asText()).isEqualTo("u-1");
    assertThat(sent.has("seed") || sent.has("logit_bias") || sent.has("service_tier")).isFalse();
    assertThat(
            new AnthropicAdapter()
                .encode(clientBody(), claude, Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * Chat fields the generateContent translation has no place for are left out and named; those it
   * maps (seed, penalties, logprobs, n, reasoning_effort on a thinking model) are not.
   */
  @Test
  void reportsTheChatFieldsGeminiIsNotSent() throws Exception {
    ObjectNode body = clientBody();
    body.remove("stream"); // Gemini gives logprobs to generateContent only (GeminiLogprobsTest)
    body.put("seed", 7);
    body.put("presence_penalty", 0.2);
    body.put("logprobs", true);
    body.put("top_logprobs", 2);
    body.put("n", 1);
    body.put("reasoning_effort", "low");
    body.put("user", "u-1");
    body.putObject("logit_bias").put("50256", -100);
    body.putObject("metadata").put("k", "v");
    body.putNull("service_tier");

    UpstreamAdapter.EncodedRequest thinking =
        new GeminiAdapter()
            .encode(body, target("gemini", "gemini-2.5-flash"), Operation.CHAT_COMPLETIONS, false);
    UpstreamAdapter.EncodedRequest unthinking =
        new GeminiAdapter()
            .encode(body, target("gemini", "gemini-2.0-flash"), Operation.CHAT_COMPLETIONS, false);

    assertThat(thinking.unhonoured()).containsExactly("user", "logit_bias", "metadata");
    assertThat(unthinking.unhonoured())
        .containsExactly("user", "logit_bias", "metadata", "reasoning_effort");
    JsonNode config = JSON.readTree(thinking.body().getBytes()).path("generationConfig");
    assertThat(config.path("seed").asInt()).isEqualTo(7);
    assertThat(config.path("logprobs").asInt()).isEqualTo(2);
    assertThat(
            new GeminiAdapter()
                .encode(
                    clientBody().put("parallel_tool_calls", true),
                    target("gemini", "gemini-2.5-flash"),
                    Operation.CHAT_COMPLETIONS,
                    false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    assertThat(
            new GeminiAdapter()
                .encode(
                    clientBody().put("parallel_tool_calls", false),
                    target("gemini", "gemini-2.5-flash"),
                    Operation.CHAT_COMPLETIONS,
                    false)
                .unhonoured())
        .containsExactly("parallel_tool_calls");
    ObjectNode embed = (ObjectNode) JSON.readTree("{\"model\":\"e\",\"input\":\"hi\"}");
    PlannedTarget embedder = target("gemini", "gemini-embedding-001");
    assertThat(
            new GeminiAdapter().encode(embed, embedder, Operation.EMBEDDINGS, false).unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    assertThat(
            new GeminiAdapter()
                .encode(embed.put("user", "u-1"), embedder, Operation.EMBEDDINGS, false)
                .unhonoured())
        .containsExactly("user");
  }

  /**
   * A field left out with the value the API takes when it is absent (what SDKs write out) asks for
   * nothing the target then does not do: no adapter names it. The same fields asking for something
   * are named, by every adapter that leaves them out.
   */
  @Test
  void namesNoFieldLeftOutWithItsDefaultValue() throws Exception {
    String defaults =
        "\"logprobs\":false,\"n\":1,\"presence_penalty\":0,\"frequency_penalty\":0.0,"
            + "\"parallel_tool_calls\":true,\"top_logprobs\":0,\"logit_bias\":{},"
            + "\"stop\":[],\"store\":false,\"metadata\":{},\"modalities\":[\"text\"],"
            + "\"stream_options\":{\"include_usage\":false}";
    String asking =
        "\"logprobs\":true,\"presence_penalty\":0.5,\"frequency_penalty\":-1,"
            + "\"top_logprobs\":2,\"logit_bias\":{\"50256\":-100},\"store\":true,"
            + "\"metadata\":{\"k\":\"v\"},\"modalities\":[\"text\",\"audio\"]";
    ObjectNode quiet = chatWith(defaults);
    ObjectNode loud = chatWith(asking);
    Map<String, UpstreamAdapter> adapters =
        Map.of(
            "anthropic", new AnthropicAdapter(),
            "gemini", new GeminiAdapter(),
            "mistral", new OpenAiAdapter());
    for (Map.Entry<String, UpstreamAdapter> a : adapters.entrySet()) {
      PlannedTarget t = target(a.getKey(), "gemini".equals(a.getKey()) ? "gemini-2.5-flash" : "m");
      assertThat(a.getValue().encode(quiet, t, Operation.CHAT_COMPLETIONS, false).unhonoured())
          .as(a.getKey())
          .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
      assertThat(a.getValue().encode(loud, t, Operation.CHAT_COMPLETIONS, false).unhonoured())
          .as(a.getKey())
          .isNotEmpty();
    }
    assertThat(
            new AnthropicAdapter()
                .encode(loud, target("anthropic", "m"), Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .containsExactly(
            "logprobs",
            "presence_penalty",
            "frequency_penalty",
            "top_logprobs",
            "logit_bias",
            "store",
            "metadata",
            "modalities");
    assertThat(
            new OpenAiAdapter()
                .encode(loud, target("mistral", "m"), Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .containsExactly("logprobs", "top_logprobs", "logit_bias", "store", "modalities");
    // A model that does not think gives none, as reasoning_effort none asks.
    assertThat(
            new GeminiAdapter()
                .encode(
                    chatWith("\"reasoning_effort\":\"none\""),
                    target("gemini", "gemini-2.0-flash"),
                    Operation.CHAT_COMPLETIONS,
                    false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * Inside the messages, Anthropic's and Gemini's translations leave out a participant's {@code
   * name} (their messages have none) and a content part's {@code cache_control}: named once each,
   * after the top-level fields; a tool result's name (its function's) is not lost.
   */
  @Test
  void namesWhatATranslationLeavesOutInsideTheMessages() throws Exception {
    ObjectNode body =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"seed\":3,\"messages\":["
                    + "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"s\","
                    + "\"cache_control\":{\"type\":\"ephemeral\"}}]},"
                    + "{\"role\":\"user\",\"name\":\"ann\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                    + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"name\":\"f\",\"content\":\"ok\"},"
                    + "{\"role\":\"user\",\"name\":\"bob\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"more\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}");

    assertThat(
            new AnthropicAdapter()
                .encode(body, target("anthropic", "claude-x"), Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .containsExactly("seed", "messages[].content[].cache_control", "messages[].name");
    assertThat(
            new GeminiAdapter()
                .encode(
                    body, target("gemini", "gemini-2.5-flash"), Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .containsExactly("messages[].content[].cache_control", "messages[].name");
    // The deprecated function_call of an assistant turn, and a strict tool: neither is sent.
    ObjectNode strict =
        chatWith(
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":true,"
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}}]");
    ((com.fasterxml.jackson.databind.node.ArrayNode) strict.get("messages"))
        .addObject()
        .put("role", "assistant")
        .put("content", "sure")
        .putObject("function_call")
        .put("name", "f")
        .put("arguments", "{}");
    ((com.fasterxml.jackson.databind.node.ArrayNode) strict.get("messages"))
        .addObject()
        .put("role", "user")
        .put("content", "go on");
    Map<UpstreamAdapter, PlannedTarget> translators =
        Map.of(
            new AnthropicAdapter(), target("anthropic", "claude-x"),
            new GeminiAdapter(), target("gemini", "gemini-2.5-flash"));
    translators.forEach(
        (adapter, t) ->
            assertThat(adapter.encode(strict, t, Operation.CHAT_COMPLETIONS, false).unhonoured())
                .as(t.provider().kind())
                .containsExactly("messages[].function_call", "tools[].function.strict"));
    ((ObjectNode) strict.at("/tools/0/function")).put("strict", false);
    ((ObjectNode) strict.at("/messages/1")).remove("function_call");
    assertThat(
            new GeminiAdapter()
                .encode(
                    strict, target("gemini", "gemini-2.5-flash"), Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    ObjectNode toolNameOnly = clientBody();
    ((com.fasterxml.jackson.databind.node.ArrayNode) toolNameOnly.get("messages"))
        .addObject()
        .put("role", "assistant")
        .putArray("tool_calls")
        .addObject()
        .put("id", "c1")
        .put("type", "function")
        .putObject("function")
        .put("name", "f")
        .put("arguments", "{}");
    ((com.fasterxml.jackson.databind.node.ArrayNode) toolNameOnly.get("messages"))
        .addObject()
        .put("role", "tool")
        .put("tool_call_id", "c1")
        .put("name", "f")
        .put("content", "ok");
    assertThat(
            new AnthropicAdapter()
                .encode(
                    toolNameOnly,
                    target("anthropic", "claude-x"),
                    Operation.CHAT_COMPLETIONS,
                    false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * What Anthropic's translation has no place for in an OpenAI history is named, not dropped
   * silently: a system prompt's part that is not text, an assistant turn's {@code refusal} and
   * {@code audio} and its refusal part; a JSON schema {@code response_format} with {@code strict:
   * true} (the forced tool that carries the answer is not held to its schema). Null values and a
   * non-strict schema ask for nothing.
   */
  @Test
  void namesWhatAnthropicsTranslationHasNoPlaceFor() throws Exception {
    PlannedTarget claude = target("anthropic", "claude-x");
    ObjectNode body =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"messages\":["
                    + "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"s\"},"
                    + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/i.png\"}}]},"
                    + "{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\","
                    + "\"refusal\":\"no\"}],\"refusal\":\"no\",\"audio\":{\"id\":\"audio_1\"}},"
                    + "{\"role\":\"user\",\"content\":\"please\"}],"
                    + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
                    + "\"name\":\"o\",\"strict\":true,\"schema\":{\"type\":\"object\","
                    + "\"properties\":{\"a\":{\"type\":\"string\"}}}}}}");

    UpstreamAdapter.EncodedRequest encoded =
        new AnthropicAdapter().encode(body, claude, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured())
        .containsExactly(
            "messages[].content[].image_url",
            "messages[].refusal",
            "messages[].audio",
            "messages[].content[].refusal",
            "response_format.json_schema.strict");
    JsonNode sent = JSON.readTree(encoded.body().getBytes());
    assertThat(sent.path("system").asText()).isEqualTo("s");

    ObjectNode quiet =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"yes\",\"refusal\":null,"
                    + "\"audio\":null},{\"role\":\"user\",\"content\":\"ok\"}],"
                    + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
                    + "\"name\":\"o\",\"strict\":false,\"schema\":{\"type\":\"object\"}}}}");
    assertThat(
            new AnthropicAdapter()
                .encode(quiet, claude, Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * Gemini's translation names what an assistant turn carries that a model turn has no place for,
   * as Anthropic's does: its {@code refusal}, its {@code audio} and a refusal part. Null values ask
   * for nothing.
   */
  @Test
  void namesTheAssistantRefusalAndAudioGeminiLeavesOut() throws Exception {
    PlannedTarget gemini = target("gemini", "gemini-2.5-flash");
    ObjectNode body =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                    + "{\"type\":\"refusal\",\"refusal\":\"no\"}],\"refusal\":\"no\","
                    + "\"audio\":{\"id\":\"audio_1\"}},{\"role\":\"user\",\"content\":\"please\"}]}");

    UpstreamAdapter.EncodedRequest encoded =
        new GeminiAdapter().encode(body, gemini, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured())
        .containsExactly("messages[].refusal", "messages[].audio", "messages[].content[].refusal");
    JsonNode model = JSON.readTree(encoded.body().getBytes()).path("contents").get(1);
    assertThat(model.path("role").asText()).isEqualTo("model");
    assertThat(model.path("parts").toString()).isEqualTo("[{\"text\":\"a\"}]");

    ObjectNode quiet =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"yes\",\"refusal\":null,"
                    + "\"audio\":null},{\"role\":\"user\",\"content\":\"ok\"}]}");
    assertThat(
            new GeminiAdapter()
                .encode(quiet, gemini, Operation.CHAT_COMPLETIONS, false)
                .unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  /**
   * The JSON Schema keywords Gemini's Schema has no place for are named once per keyword, where the
   * schema is ({@code tools[].function.parameters.*}, {@code
   * response_format.json_schema.schema.*}), with a format the type does not take; a keyword with
   * its default value asks for nothing, and a schema sent as JSON Schema (a free-form object
   * inside) keeps every keyword.
   */
  @Test
  void namesTheSchemaKeywordsGeminisSchemaLeavesOut() throws Exception {
    PlannedTarget gemini = target("gemini", "gemini-2.5-flash");
    ObjectNode body =
        chatWith(
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
                + "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
                + "\"n\":{\"type\":\"integer\",\"multipleOf\":5,\"exclusiveMinimum\":0},"
                + "\"tags\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"type\":"
                + "\"object\",\"additionalProperties\":false,\"properties\":{\"u\":{\"type\":"
                + "\"string\",\"format\":\"uri\"}}}}}}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"g\",\"parameters\":"
                + "{\"type\":\"object\",\"additionalProperties\":true,\"$schema\":\"x\","
                + "\"properties\":{\"b\":{\"type\":\"array\",\"uniqueItems\":false}}}}}],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"o\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\","
                + "\"pattern\":\"^a\",\"not\":{\"const\":\"ab\"}}}}}}");

    UpstreamAdapter.EncodedRequest encoded =
        new GeminiAdapter().encode(body, gemini, Operation.CHAT_COMPLETIONS, false);

    assertThat(encoded.unhonoured())
        .containsExactly(
            "tools[].function.parameters.additionalProperties",
            "tools[].function.parameters.multipleOf",
            "tools[].function.parameters.exclusiveMinimum",
            "tools[].function.parameters.uniqueItems",
            "tools[].function.parameters.format",
            "response_format.json_schema.schema.not");
    JsonNode sent = JSON.readTree(encoded.body().getBytes());
    assertThat(sent.toString()).doesNotContain("additionalProperties").doesNotContain("multipleOf");

    ObjectNode freeForm =
        chatWith(
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
                + "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
                + "\"meta\":{\"type\":\"object\"},\"n\":{\"type\":\"integer\","
                + "\"multipleOf\":5}}}}}]");
    UpstreamAdapter.EncodedRequest asJsonSchema =
        new GeminiAdapter().encode(freeForm, gemini, Operation.CHAT_COMPLETIONS, false);
    assertThat(asJsonSchema.unhonoured()).isSameAs(UpstreamAdapter.EncodedRequest.NONE);
    assertThat(JSON.readTree(asJsonSchema.body().getBytes()).toString())
        .contains("parametersJsonSchema")
        .contains("multipleOf");
  }

  private static ObjectNode chatWith(String fields) throws Exception {
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + fields
                + "}");
  }

  /**
   * The Responses API has no seed: the client's seed is left out of a Responses request to an
   * OpenAI target, and named.
   */
  @Test
  void reportsTheSeedAResponsesTargetIsNotSent() throws Exception {
    PlannedTarget openai = target("openai", "gpt-4o");
    ObjectNode seeded = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"input\":\"hi\",\"seed\":7}");

    UpstreamAdapter.EncodedRequest encoded =
        new OpenAiAdapter().encode(seeded, openai, Operation.RESPONSES, false);

    assertThat(JSON.readTree(encoded.body().getBytes()).has("seed")).isFalse();
    assertThat(encoded.unhonoured()).containsExactly("seed");
    seeded.remove("seed");
    assertThat(new OpenAiAdapter().encode(seeded, openai, Operation.RESPONSES, false).unhonoured())
        .isSameAs(UpstreamAdapter.EncodedRequest.NONE);
  }

  private static PlannedTarget azure(String apiVersion) {
    return new PlannedTarget(
        TestTables.target("p", "gpt-4o", 0),
        new RoutingTable.Provider(
            "p",
            "azure-openai",
            "https://acme.openai.azure.com",
            true,
            apiVersion,
            Map.of(),
            null,
            null,
            null,
            null,
            Map.of()),
        PlannedTarget.STABLE);
  }

  @Test
  void sendsAzureTheAddedStreamOptionsOnlyFromTheApiVersionThatKnowsThem() throws Exception {
    // Dated Azure api-versions before 2024-09-01-preview refuse stream_options with a 400: the
    // gateway's own include_usage must not fail every stream there.
    for (String old : new String[] {"2024-06-01", "2024-02-01", "2024-08-01-preview"}) {
      JsonNode added =
          JSON.readTree(
              new AzureOpenAiAdapter()
                  .encodeRequest(clientBody(), azure(old), Operation.CHAT_COMPLETIONS, true)
                  .getBytes());
      assertThat(added.has("stream_options")).as(old).isFalse();
      // What the client itself sent goes as it is: the answer is the one Azure gives it directly.
      JsonNode clients =
          JSON.readTree(
              new AzureOpenAiAdapter()
                  .encodeRequest(clientBody(), azure(old), Operation.CHAT_COMPLETIONS, false)
                  .getBytes());
      assertThat(clients.has("stream_options")).as(old).isTrue();
    }
    for (String current : new String[] {null, "2024-09-01-preview", "2024-10-21", "preview"}) {
      JsonNode added =
          JSON.readTree(
              new AzureOpenAiAdapter()
                  .encodeRequest(clientBody(), azure(current), Operation.CHAT_COMPLETIONS, true)
                  .getBytes());
      assertThat(added.path("stream_options").path("include_usage").asBoolean())
          .as(String.valueOf(current))
          .isTrue();
    }
  }

  /**
   * DeepSeek documents the limit as {@code max_tokens} only (api-docs.deepseek.com, Create Chat
   * Completion): an OpenAI client's {@code max_completion_tokens} is sent by that name, winning
   * over a {@code max_tokens} given too, as on OpenAI; Qwen's compatible mode documents both and
   * gets them as given.
   */
  @Test
  void sendsDeepSeekTheTokenLimitAsMaxTokens() throws Exception {
    ObjectNode body = clientBody();
    body.put("max_completion_tokens", 32);
    body.put("max_tokens", 64);

    JsonNode deepseek =
        JSON.readTree(
            new OpenAiAdapter()
                .encodeRequest(
                    body, target("deepseek", "deepseek-chat"), Operation.CHAT_COMPLETIONS, false)
                .getBytes());
    JsonNode qwen =
        JSON.readTree(
            new OpenAiAdapter()
                .encodeRequest(body, target("qwen", "qwen-plus"), Operation.CHAT_COMPLETIONS, false)
                .getBytes());

    assertThat(deepseek.has("max_completion_tokens")).isFalse();
    assertThat(deepseek.path("max_tokens").asInt()).isEqualTo(32);
    assertThat(qwen.path("max_completion_tokens").asInt()).isEqualTo(32);
    assertThat(qwen.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(body.path("max_completion_tokens").asInt()).isEqualTo(32); // the client's, untouched
  }

  @Test
  void sendsOpenAiTheTokenLimitByItsCurrentNameAndOthersAsGiven() throws Exception {
    ObjectNode body = clientBody();
    body.put("max_tokens", 64);

    JsonNode openai =
        JSON.readTree(
            new OpenAiAdapter()
                .encodeRequest(body, target("openai", "o3-mini"), Operation.CHAT_COMPLETIONS, true)
                .getBytes());
    JsonNode compatible =
        JSON.readTree(
            new OpenAiAdapter()
                .encodeRequest(
                    body, target("openai-compatible", "llama"), Operation.CHAT_COMPLETIONS, true)
                .getBytes());

    // OpenAI's reasoning models refuse max_tokens; max_completion_tokens means the same to all.
    assertThat(openai.has("max_tokens")).isFalse();
    assertThat(openai.path("max_completion_tokens").asInt()).isEqualTo(64);
    // vLLM, Ollama and other OpenAI-compatible servers get the field they have always read.
    assertThat(compatible.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(compatible.has("max_completion_tokens")).isFalse();
    // An Azure api-version older than max_completion_tokens refuses arguments it does not know.
    PlannedTarget oldAzure =
        new PlannedTarget(
            TestTables.target("p", "gpt-4o", 0),
            new RoutingTable.Provider(
                "p",
                "azure-openai",
                "https://acme.openai.azure.com",
                true,
                "2024-06-01",
                Map.of(),
                null,
                null,
                null,
                null,
                Map.of()),
            PlannedTarget.STABLE);
    JsonNode azure =
        JSON.readTree(
            new AzureOpenAiAdapter()
                .encodeRequest(body, oldAzure, Operation.CHAT_COMPLETIONS, true)
                .getBytes());
    assertThat(azure.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(azure.has("max_completion_tokens")).isFalse();
    // A client that names both keeps both as given.
    body.put("max_completion_tokens", 32);
    JsonNode both =
        JSON.readTree(
            new OpenAiAdapter()
                .encodeRequest(body, target("openai", "gpt-4o"), Operation.CHAT_COMPLETIONS, true)
                .getBytes());
    assertThat(both.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(both.path("max_completion_tokens").asInt()).isEqualTo(32);
  }
}
