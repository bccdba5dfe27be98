package dev.switchboard.mock.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed OpenAI chat completion stream and its verdict: whether the framing follows the wire
 * contract (every event JSON, first delta with {@code role: "assistant"}, one id, a {@code
 * finish_reason}, {@code [DONE]} last and nothing after it) and what it said (content, usage,
 * error). Azure OpenAI's opening prompt-filter event ({@link #azurePromptFilter}) is its own.
 * Reusable by gateway and e2e tests for responses that passed through the gateway.
 *
 * @param events every dispatched event, {@code [DONE]} included
 * @param chunks the JSON chunks (events before {@code [DONE]} that parsed), in order
 * @param doneSeen whether {@code data: [DONE]} arrived
 * @param incompleteTail whether the body ended inside an event
 * @param content concatenated {@code delta.content} of choice 0
 * @param refusal concatenated {@code delta.refusal} of choice 0, or {@code null}
 * @param finishReason the {@code finish_reason} of choice 0, or {@code null}
 * @param usage the usage object of the final usage chunk, or {@code null}
 * @param error the {@code error} object of a mid-stream error event, or {@code null}
 * @param problems human-readable framing violations; empty when the stream is well-formed
 */
public record ChatStreamTranscript(
    List<SseEvent> events,
    List<JsonNode> chunks,
    boolean doneSeen,
    boolean incompleteTail,
    String content,
    String refusal,
    String finishReason,
    JsonNode usage,
    JsonNode error,
    List<String> problems) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Whether a chunk is the event an Azure OpenAI stream opens with: its prompt filter's verdict
   * ({@code prompt_filter_results}) and no choices.
   */
  public static boolean azurePromptFilter(JsonNode chunk) {
    return chunk.has("prompt_filter_results")
        && chunk.path("choices").isArray()
        && chunk.path("choices").isEmpty();
  }

  /** True when the stream is complete and well-formed. */
  public boolean isValid() {
    return problems.isEmpty();
  }

  /** True when the stream ended without {@code [DONE]} (truncated or cut). */
  public boolean isTruncated() {
    return !doneSeen;
  }

  /** Parses and judges a whole {@code text/event-stream} body. */
  public static ChatStreamTranscript of(String body) {
    SseParser parser = new SseParser();
    List<SseEvent> events = parser.feed(body);
    return judge(events, parser.hasIncompleteEvent());
  }

  /** Judges events already parsed; {@code incompleteTail} from {@link SseParser}. */
  public static ChatStreamTranscript judge(List<SseEvent> events, boolean incompleteTail) {
    List<String> problems = new ArrayList<>();
    List<JsonNode> chunks = new ArrayList<>();
    StringBuilder content = new StringBuilder();
    StringBuilder refusal = null;
    String finishReason = null;
    JsonNode usage = null;
    JsonNode error = null;
    String id = null;
    boolean done = false;
    boolean roleSeen = false;
    for (int i = 0; i < events.size(); i++) {
      SseEvent event = events.get(i);
      if (done) {
        problems.add("event after [DONE] at index " + i);
        break;
      }
      if (event.isDone()) {
        done = true;
        continue;
      }
      JsonNode chunk;
      try {
        chunk = JSON.readTree(event.data());
      } catch (JsonProcessingException e) {
        problems.add("event " + i + " is not JSON: " + abbreviate(event.data()));
        continue;
      }
      if (chunk == null || !chunk.isObject()) {
        problems.add("event " + i + " is not a JSON object");
        continue;
      }
      if (chunk.has("error")) {
        error = chunk.get("error");
        problems.add("error event at index " + i + ": " + abbreviate(error.toString()));
        continue;
      }
      chunks.add(chunk);
      if (azurePromptFilter(chunk)) {
        // Azure's opening verdict on the prompt: no choices, empty id, model and object. The
        // OpenAI SDKs read it as a chunk without choices; the answer's own chunks follow.
        continue;
      }
      if (!"chat.completion.chunk".equals(chunk.path("object").asText())) {
        problems.add("event " + i + " has object=" + chunk.path("object").asText());
      }
      String chunkId = chunk.path("id").asText(null);
      if (id == null) {
        id = chunkId;
      } else if (!id.equals(chunkId)) {
        problems.add("event " + i + " changes id from " + id + " to " + chunkId);
      }
      if (chunk.hasNonNull("usage")) {
        usage = chunk.get("usage");
      }
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("index").asInt(-1) != 0) {
          continue;
        }
        JsonNode delta = choice.path("delta");
        if (!roleSeen) {
          if (!"assistant".equals(delta.path("role").asText())) {
            problems.add("first delta has no role \"assistant\" (event " + i + ")");
          }
          roleSeen = true;
        }
        if (delta.hasNonNull("content")) {
          content.append(delta.get("content").asText());
        }
        if (delta.hasNonNull("refusal")) {
          refusal = refusal == null ? new StringBuilder() : refusal;
          refusal.append(delta.get("refusal").asText());
        }
        if (choice.hasNonNull("finish_reason")) {
          if (finishReason != null) {
            problems.add("second finish_reason at event " + i);
          }
          finishReason = choice.get("finish_reason").asText();
        }
      }
    }
    if (!done) {
      problems.add("stream ended without data: [DONE]");
    }
    if (incompleteTail) {
      problems.add("stream ended inside an event");
    }
    if (finishReason == null && error == null) {
      problems.add("no choice carried a finish_reason");
    }
    return new ChatStreamTranscript(
        List.copyOf(events),
        List.copyOf(chunks),
        done,
        incompleteTail,
        content.toString(),
        refusal == null ? null : refusal.toString(),
        finishReason,
        usage,
        error,
        List.copyOf(problems));
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
