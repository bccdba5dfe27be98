package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenAI adapter on recorded wire samples: what it relays, and the facts it finds. */
class OpenAiAdapterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final OpenAiAdapter adapter = new OpenAiAdapter();

  private static final PlannedTarget OPENAI =
      new PlannedTarget(
          TestTables.target("openai", "gpt-4o", 0),
          TestTables.provider(
              "openai", "openai", "https://api.openai.com/v1", true, Map.of(), null),
          PlannedTarget.STABLE);

  /** Decodes every event, copying the reused facts object. */
  private static List<String> decode(
      StreamDecoder decoder, List<String> events, List<Object[]> facts) {
    List<String> relayed = new ArrayList<>();
    for (String data : events) {
      StreamEventFacts f = decoder.decode(data, null);
      facts.add(
          new Object[] {
            f.kind(), f.model(), f.systemFingerprint(), f.finishReason(), f.usage(), f.isRefusal()
          });
      if (f.kind() == StreamEventFacts.Kind.CHUNK) {
        relayed.add(f.payload());
      }
    }
    return relayed;
  }

  /**
   * The Responses API has no {@code seed} and refuses a field it does not know; the gateway's seed
   * extension on /v1/responses is never in a body sent in that format, to OpenAI or Azure, while a
   * chat completions body keeps it.
   */
  @Test
  void aResponsesBodyGoesWithoutTheSeedToOpenAiAndAzureAndAChatBodyKeepsIt() throws Exception {
    for (String kind : List.of("openai", "azure-openai")) {
      PlannedTarget pt =
          new PlannedTarget(
              TestTables.target("p", "gpt-4o", 0),
              TestTables.provider("p", kind, "https://example.com/v1", true, Map.of(), null),
              PlannedTarget.STABLE);
      UpstreamAdapter forKind = UpstreamAdapters.forProvider(pt.provider());
      var responses =
          (com.fasterxml.jackson.databind.node.ObjectNode)
              JSON.readTree("{\"model\":\"x\",\"input\":\"hi\",\"seed\":7,\"store\":true}");
      var chat =
          (com.fasterxml.jackson.databind.node.ObjectNode)
              JSON.readTree("{\"model\":\"x\",\"messages\":[],\"seed\":7}");

      var sent =
          JSON.readTree(
              forKind.encodeRequest(responses, pt, Operation.RESPONSES, false).getBytes());
      var sentChat =
          JSON.readTree(
              forKind.encodeRequest(chat, pt, Operation.CHAT_COMPLETIONS, false).getBytes());

      assertThat(sent.has("seed")).as(kind).isFalse();
      assertThat(sent.path("store").asBoolean()).as(kind).isTrue();
      assertThat(sent.path("model").asText()).as(kind).isEqualTo("gpt-4o");
      assertThat(sentChat.path("seed").asInt()).as(kind).isEqualTo(7);
      assertThat(responses.has("seed")).as("the client's body is not changed").isTrue();
    }
  }

  @Test
  void aClientThatAskedForUsageGetsTheStreamByteForByte() {
    List<String> events = WireSamples.events("openai-chat-stream.sse");
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);

    List<String> relayed = new ArrayList<>();
    for (String data : events.subList(0, events.size() - 1)) {
      StreamEventFacts f = decoder.decode(data, null);
      assertThat(f.kind()).isEqualTo(StreamEventFacts.Kind.CHUNK);
      relayed.add(f.payload());
    }

    assertThat(relayed).containsExactlyElementsOf(events.subList(0, events.size() - 1));
    // Content chunks in the middle are not even re-created: the very same strings go out.
    assertThat(relayed.get(1)).isSameAs(events.get(1));
    assertThat(decoder.decode("[DONE]", null).kind()).isEqualTo(StreamEventFacts.Kind.DONE);
  }

  @Test
  void factsOfAStreamAndUsageTheGatewayAskedForIsHidden() throws Exception {
    List<String> events = WireSamples.events("openai-chat-stream.sse");
    List<Object[]> facts = new ArrayList<>();

    List<String> relayed =
        decode(adapter.streamDecoder(Operation.CHAT_COMPLETIONS, true, 0), events, facts);

    // First chunk: model version and fingerprint.
    assertThat(facts.get(0))
        .containsExactly(
            StreamEventFacts.Kind.CHUNK, "gpt-4o-2024-08-06", "fp_a7d06e42a7", null, null, false);
    assertThat(facts.get(3)[3]).isEqualTo("stop");
    // The usage-only chunk: read (with cached tokens), not relayed.
    assertThat(facts.get(4))
        .containsExactly(
            StreamEventFacts.Kind.DROP,
            "gpt-4o-2024-08-06",
            "fp_a7d06e42a7",
            null,
            new TokenUsage(1200, 2, 1024),
            false);
    assertThat(facts.get(5)[0]).isEqualTo(StreamEventFacts.Kind.DONE);
    assertThat(relayed).hasSize(4).noneMatch(chunk -> chunk.contains("usage"));
    assertThat(
            JSON.readTree(relayed.get(1))
                .path("choices")
                .get(0)
                .path("delta")
                .path("content")
                .asText())
        .isEqualTo("Hello");
  }

  @Test
  void errorAndBrokenEventsAreReportedNotRelayed() {
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    decoder.decode(WireSamples.events("openai-chat-stream.sse").get(0), null);

    StreamEventFacts error =
        decoder.decode(
            "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":null}}",
            null);
    assertThat(error.kind()).isEqualTo(StreamEventFacts.Kind.ERROR);
    assertThat(error.errorMessage()).isEqualTo("The server had an error");
    assertThat(error.errorType()).isEqualTo("server_error");
    assertThat(error.errorCode()).isNull();
    assertThat(error.payload()).isNull();

    assertThat(decoder.decode("{\"choices\":[", null).kind())
        .isEqualTo(StreamEventFacts.Kind.MALFORMED);
  }

  @Test
  void aRefusalDeltaIsAFact() {
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    StreamEventFacts f =
        decoder.decode(
            "{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't help"
                + " with that.\"},\"finish_reason\":null}]}",
            null);
    assertThat(f.isRefusal()).isTrue();
  }

  @Test
  void aPlainTextRefusalIsJudgedOnceTheStreamIsComplete() {
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    List<String> pieces = List.of("I'm sorry", ", but I can't", " help with that.");
    for (String piece : pieces) {
      StreamEventFacts f =
          decoder.decode(
              "{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                  + piece
                  + "\"},\"finish_reason\":null}]}",
              null);
      assertThat(f.isRefusal()).isFalse();
    }
    assertThat(decoder.decode("[DONE]", null).isRefusal()).isTrue();

    StreamDecoder answered = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, false, 0);
    answered.decode(WireSamples.events("openai-chat-stream.sse").get(1), null);
    assertThat(answered.decode("[DONE]", null).isRefusal()).isFalse();
  }

  @Test
  void theFirstEventIsCheckedBeforeTheAttemptCommits() {
    assertThat(adapter.firstEventProblem(OPENAI, "nope", adapter.parseEvent("nope")).kind())
        .isEqualTo(FailureKind.BAD_RESPONSE);
    String error = "{\"error\":{\"message\":\"overloaded\"}}";
    assertThat(adapter.firstEventProblem(OPENAI, error, adapter.parseEvent(error)).kind())
        .isEqualTo(FailureKind.SERVER_ERROR);
    String chunk = WireSamples.events("openai-chat-stream.sse").get(0);
    assertThat(adapter.firstEventProblem(OPENAI, chunk, adapter.parseEvent(chunk))).isNull();
  }

  /**
   * OpenAI's out-of-credit error as a stream's first event (chat's error object, a Responses {@code
   * error} event) is the account's lasting state, as the JSON 429 {@code insufficient_quota}: not a
   * server error to retry on the same target.
   */
  @Test
  void anOutOfCreditFirstEventMakesTheTargetUnusable() {
    String chat =
        "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and"
            + " billing details.\",\"type\":\"insufficient_quota\",\"param\":null,"
            + "\"code\":\"insufficient_quota\"}}";
    String responses =
        "{\"type\":\"error\",\"code\":\"insufficient_quota\",\"message\":\"You exceeded your"
            + " current quota.\",\"param\":null,\"sequence_number\":0}";
    String otherResponsesError =
        "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"oops\","
            + "\"param\":null,\"sequence_number\":0}";

    assertThat(adapter.firstEventProblem(OPENAI, chat, adapter.parseEvent(chat)).kind())
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(adapter.firstEventProblem(OPENAI, responses, adapter.parseEvent(responses)).kind())
        .isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(
            adapter
                .firstEventProblem(
                    OPENAI, otherResponsesError, adapter.parseEvent(otherResponsesError))
                .kind())
        .isEqualTo(FailureKind.SERVER_ERROR);
  }

  /**
   * A Responses stream may also fail with {@code response.failed}, the reason in {@code
   * response.error}: out of credit is the account's (every target of the provider), anything else a
   * server error. Its opening lifecycle events carry none of the answer and do not commit the
   * attempt; its first output event does.
   */
  @Test
  void aResponseFailedEventIsClassifiedAndLifecycleEventsDoNotCommit() {
    String noCredit =
        "{\"type\":\"response.failed\",\"sequence_number\":1,\"response\":{\"id\":\"resp_1\","
            + "\"status\":\"failed\",\"error\":{\"code\":\"insufficient_quota\","
            + "\"message\":\"You exceeded your current quota.\"}}}";
    String failed = noCredit.replace("insufficient_quota", "server_error");

    UpstreamFailure empty =
        adapter.firstEventProblem(OPENAI, noCredit, adapter.parseEvent(noCredit));
    assertThat(empty.kind()).isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(empty.scope()).isEqualTo(FailureScope.ACCOUNT);
    assertThat(adapter.firstEventProblem(OPENAI, failed, adapter.parseEvent(failed)).kind())
        .isEqualTo(FailureKind.SERVER_ERROR);

    String created = "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{}}";
    String inProgress = created.replace("response.created", "response.in_progress");
    String item = "{\"type\":\"response.output_item.added\",\"sequence_number\":2,\"item\":{}}";
    assertThat(adapter.reachesClient(Operation.RESPONSES, adapter.parseEvent(created))).isFalse();
    assertThat(adapter.reachesClient(Operation.RESPONSES, adapter.parseEvent(inProgress)))
        .isFalse();
    assertThat(adapter.reachesClient(Operation.RESPONSES, adapter.parseEvent(item))).isTrue();
    assertThat(adapter.reachesClient(Operation.CHAT_COMPLETIONS, adapter.parseEvent(created)))
        .isTrue();
  }

  @Test
  void anErrorBodyIsReadInOpenAisVocabulary() {
    assertThat(adapter.decodeError(Buffer.buffer(WireSamples.text("openai-error-400.json"))))
        .isEqualTo(
            new UpstreamError(
                "Invalid value for 'temperature': must be between 0 and 2.",
                "invalid_request_error",
                "temperature",
                "invalid_value"));
    assertThat(adapter.decodeError(Buffer.buffer("<html>bad gateway</html>"))).isNull();
    assertThat(adapter.decodeError(Buffer.buffer("{\"detail\":\"x\"}"))).isNull();
  }

  @Test
  void requestsGoToTheOperationsPathWithABearerKey() {
    assertThat(adapter.path(OPENAI.provider(), "gpt-4o", Operation.CHAT_COMPLETIONS))
        .isEqualTo("/chat/completions");
    assertThat(adapter.path(OPENAI.provider(), "text-embedding-3-small", Operation.EMBEDDINGS))
        .isEqualTo("/embeddings");
    assertThat(adapter.probePath(OPENAI.provider())).isEqualTo("/models");
  }
}
