package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.upstream.ReplySummary;

/**
 * Decodes one OpenAI Responses API stream that is passed through to a Responses client: every event
 * is relayed as it arrived; the facts come from {@code response.created} (model) and the terminal
 * {@code response.completed} / {@code response.incomplete} (usage, finish), which is the stream's
 * {@link StreamEventFacts.Kind#DONE} (Responses streams send no {@code [DONE]}). {@code error} and
 * {@code response.failed} events are the provider's mid-stream failure; {@code response.failed}, a
 * terminal event of the protocol, is relayed to the client as it came. Text deltas, by far the most
 * frequent events, are recognised by their opening and relayed without a parse.
 */
final class OpenAiResponsesStreamDecoder implements StreamDecoder {

  private static final String TEXT_DELTA = "{\"type\":\"response.output_text.delta\"";

  private final StreamEventFacts facts = new StreamEventFacts();
  private boolean completed;

  @Override
  public StreamEventFacts decode(String data, JsonNode firstParsed) {
    long text;
    if (firstParsed == null
        && data.startsWith(TEXT_DELTA)
        && data.indexOf('\n') < 0
        && (text = OpenAiStreamDecoder.wellFormedText(data, true)) >= 0) {
      facts.reset(StreamEventFacts.Kind.CHUNK, data);
      facts.responsesSource(data, null); // its text, if asked for (parsed only then)
      facts.textChars(text); // its length was counted by the well-formedness check
      return facts;
    }
    if ("[DONE]".equals(data.strip())) {
      // Not part of the Responses protocol; some compatible servers add it. Nothing to relay.
      facts.reset(StreamEventFacts.Kind.DROP, null);
      return facts;
    }
    JsonNode event = firstParsed != null ? firstParsed : OpenAiAdapter.parse(data);
    if (event == null || !event.isObject()) {
      facts.reset(StreamEventFacts.Kind.MALFORMED, null);
      return facts;
    }
    if (completed) {
      facts.reset(StreamEventFacts.Kind.DROP, null); // nothing follows the terminal event
      return facts;
    }
    String relay = data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0 ? event.toString() : data;
    String type = event.path("type").asText("");
    switch (type) {
      case "error" -> {
        facts.reset(StreamEventFacts.Kind.CHUNK, null);
        JsonNode error = event.path("error").isObject() ? event.get("error") : event;
        facts.error(
            OpenAiAdapter.textOrNull(error.get("message")),
            OpenAiAdapter.textOrNull(error.get("type")),
            OpenAiAdapter.textOrNull(error.get("param")),
            OpenAiAdapter.textOrNull(error.get("code")));
        if (OpenAiAdapter.outOfCredit(error)) {
          facts.outOfCredit();
        }
      }
      case "response.failed" -> {
        facts.reset(StreamEventFacts.Kind.CHUNK, null);
        JsonNode error = event.path("response").path("error");
        facts.error(
            error.path("message").asText("The upstream provider failed the response."),
            "upstream_error",
            null,
            OpenAiAdapter.textOrNull(error.get("code")));
        if (OpenAiAdapter.outOfCredit(error)) {
          facts.outOfCredit();
        }
        facts.relayedError(relay); // the client gets the provider's own terminal event
      }
      case "response.completed", "response.incomplete" -> {
        completed = true;
        facts.reset(StreamEventFacts.Kind.DONE, relay);
        record(event.path("response"));
      }
      case "response.created", "response.in_progress" -> {
        facts.reset(StreamEventFacts.Kind.CHUNK, relay);
        JsonNode response = event.path("response");
        facts.facts(OpenAiAdapter.textOrNull(response.get("model")), null);
      }
      default -> {
        facts.reset(StreamEventFacts.Kind.CHUNK, relay);
        facts.responsesSource(data, event);
      }
    }
    return facts;
  }

  private void record(JsonNode response) {
    ReplySummary summary = ResponsesFacts.summary(response);
    facts.facts(summary.model(), null);
    if (summary.finishReason() != null) {
      facts.finishReason(summary.finishReason());
    }
    if (summary.refused()) {
      facts.refused();
    }
    facts.usage(summary.usage());
  }
}
