package dev.switchboard.gateway.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import dev.switchboard.mock.sse.SseEvent;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * How one request through the gateway ended, as a client sees it (the fault matrix verdicts):
 * {@code OK} a spec-valid success (streams end with {@code [DONE]}), {@code ERROR_WELLFORMED} a
 * spec-valid OpenAI error or exactly one terminal stream error event, {@code MALFORMED} anything
 * else that arrived, {@code LOST} a hang beyond the client timeout, a reset or a silently truncated
 * stream.
 */
enum Outcome {
  OK,
  ERROR_WELLFORMED,
  MALFORMED,
  LOST;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A verdict with the reason, for failure messages. */
  record Verdict(Outcome outcome, String detail) {}

  static Verdict classify(HttpResponse<String> response, boolean stream) {
    String body = response.body();
    String contentType = response.headers().firstValue("content-type").orElse("");
    if (response.statusCode() != 200
        || !contentType.startsWith(stream ? "text/event-stream" : "application/json")) {
      if (response.statusCode() < 400) {
        return new Verdict(MALFORMED, "status " + response.statusCode() + " " + contentType);
      }
      List<String> problems = OpenAiWireFormat.problems(Body.ERROR, body);
      return problems.isEmpty()
          ? new Verdict(ERROR_WELLFORMED, response.statusCode() + " " + body)
          : new Verdict(MALFORMED, response.statusCode() + " " + problems + " " + body);
    }
    if (!stream) {
      List<String> problems = OpenAiWireFormat.problems(Body.CHAT_COMPLETION, body);
      return problems.isEmpty()
          ? new Verdict(OK, "")
          : new Verdict(MALFORMED, problems + " " + body);
    }
    ChatStreamTranscript transcript = ChatStreamTranscript.of(body);
    if (transcript.error() == null) {
      if (!transcript.doneSeen()) {
        return new Verdict(LOST, "stream ended without [DONE] or error: " + body);
      }
      List<String> problems = OpenAiWireFormat.chatStreamProblems(body);
      return problems.isEmpty() ? new Verdict(OK, "") : new Verdict(MALFORMED, problems + body);
    }
    List<SseEvent> events = transcript.events();
    long errorEvents = events.stream().filter(e -> isError(e.data())).count();
    boolean last = !events.isEmpty() && isError(events.get(events.size() - 1).data());
    if (errorEvents != 1 || !last || transcript.doneSeen() || transcript.incompleteTail()) {
      return new Verdict(MALFORMED, "error event not alone at the end: " + body);
    }
    ObjectNode wrapped = JSON.createObjectNode().set("error", transcript.error());
    List<String> problems = OpenAiWireFormat.problems(Body.ERROR, wrapped);
    return problems.isEmpty()
        ? new Verdict(ERROR_WELLFORMED, "stream error " + transcript.error())
        : new Verdict(MALFORMED, problems + " " + body);
  }

  /** The same verdicts for a {@code /v1/responses} answer (a Response, or a Responses stream). */
  static Verdict classifyResponses(HttpResponse<String> response, boolean stream) {
    String body = response.body();
    String contentType = response.headers().firstValue("content-type").orElse("");
    if (response.statusCode() != 200
        || !contentType.startsWith(stream ? "text/event-stream" : "application/json")) {
      return classify(response, stream); // the error answers are the same
    }
    if (!stream) {
      List<String> problems = OpenAiWireFormat.problems(Body.RESPONSE, body);
      return problems.isEmpty()
          ? new Verdict(OK, "")
          : new Verdict(MALFORMED, problems + " " + body);
    }
    List<String> problems = OpenAiWireFormat.responsesStreamProblems(body);
    List<SseEvent> events = dev.switchboard.mock.sse.SseParser.parseAll(body);
    long errors = events.stream().filter(e -> isResponsesError(e.data())).count();
    boolean errorLast = !events.isEmpty() && isResponsesError(events.get(events.size() - 1).data());
    if (problems.stream().anyMatch(p -> p.contains("no terminal event"))) {
      return new Verdict(LOST, "stream ended without response.completed or error: " + body);
    }
    if (!problems.isEmpty()) {
      return new Verdict(MALFORMED, problems + " " + body);
    }
    if (errors == 0) {
      return new Verdict(OK, "");
    }
    return errors == 1 && errorLast
        ? new Verdict(ERROR_WELLFORMED, "stream error")
        : new Verdict(MALFORMED, "error event not alone at the end: " + body);
  }

  private static boolean isResponsesError(String data) {
    try {
      return "error".equals(JSON.readTree(data).path("type").asText());
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean isError(String data) {
    try {
      JsonNode node = JSON.readTree(data);
      return node != null && node.has("error");
    } catch (Exception e) {
      return false;
    }
  }
}
