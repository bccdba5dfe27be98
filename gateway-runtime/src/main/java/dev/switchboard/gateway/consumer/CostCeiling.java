package dev.switchboard.gateway.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.upstream.Operation;
import java.util.Set;

/**
 * The most a request can cost before it is sent, so that a budget is never overshot: an upper
 * estimate of the prompt (one token per 3 body bytes, capped by the model's context window; the
 * whole window for a follow-up of a conversation the provider keeps, or a prompt naming images or
 * files by URL or file id) at the dearest input price (plain, cache read or cache write), plus the
 * most output it may get ({@code max_completion_tokens} or {@code max_tokens} times {@code n};
 * without them what the context window leaves, or {@value #DEFAULT_OUTPUT_CAP}) at the output price
 * — on the most expensive target the request may be routed to, at the dearest of its list and
 * window prices (the answer is priced in the window in force when it ends).
 */
public final class CostCeiling {

  /** Output tokens reserved when neither the request nor the model says how many may come. */
  public static final long DEFAULT_OUTPUT_CAP = 16_384;

  private CostCeiling() {}

  /** The ceiling in nano-USD (0 when no candidate has a USD price, or for a free operation). */
  public static long nanoUsd(ResolvedRoute route, ObjectNode body, long bodyBytes, Operation op) {
    if (op == Operation.COUNT_TOKENS) {
      // Counting generates nothing and is not billed; its answer carries no usage, so whatever
      // were reserved here would be kept as its cost.
      return 0;
    }
    long prompt = bodyBytes / 3 + 1;
    boolean kept = promptBeyondBody(body);
    long requested = requestedOutput(body);
    double most = 0;
    for (PlannedTarget t : route.candidates()) {
      most = Math.max(most, ceilingUsd(t, prompt, kept, requested, op));
    }
    for (PlannedTarget t : route.canaryCandidates()) {
      most = Math.max(most, ceilingUsd(t, prompt, kept, requested, op));
    }
    return Spend.toNanos(most);
  }

  /** Where a request carries its prompt: chat and Messages, Messages' system, Responses input. */
  private static final String[] PROMPT_FIELDS = {"messages", "system", "input"};

  /**
   * Whether the provider adds to the prompt what the body does not hold, so that the body's size
   * says nothing of it: a conversation it keeps (Responses API {@code previous_response_id} or
   * {@code conversation}), or images and files the prompt names by URL or file id.
   */
  private static boolean promptBeyondBody(ObjectNode body) {
    if (body == null) {
      return false;
    }
    if (hasValue(body.get("previous_response_id")) || hasValue(body.get("conversation"))) {
      return true;
    }
    for (String field : PROMPT_FIELDS) {
      JsonNode prompt = body.get(field);
      if (prompt != null && prompt.isContainerNode() && referencesContent(prompt, false)) {
        return true;
      }
    }
    return false;
  }

  /** Content parts whose images or files a URL or file id may name (chat, Responses, Messages). */
  private static final Set<String> MEDIA =
      Set.of("image_url", "input_image", "image", "document", "input_file", "file");

  /**
   * Whether {@code node} holds a media content part ({@link #MEDIA}) that names content the
   * provider fetches: a {@code file_id}, or a {@code url}, {@code image_url} or {@code file_url}
   * that is not an inline {@code data:} URL (inline content is in the body's size). Other URLs (a
   * citation's) are text.
   */
  private static boolean referencesContent(JsonNode node, boolean inMedia) {
    if (node.isArray()) {
      for (JsonNode element : node) {
        if (element.isContainerNode() && referencesContent(element, inMedia)) {
          return true;
        }
      }
      return false;
    }
    boolean media = inMedia || MEDIA.contains(node.path("type").asText(""));
    for (var fields = node.fields(); fields.hasNext(); ) {
      var field = fields.next();
      JsonNode value = field.getValue();
      if (value.isTextual()) {
        String name = field.getKey();
        String text = value.asText();
        if (media
            && !text.isEmpty()
            && ("file_id".equals(name)
                || ("url".equals(name) || "image_url".equals(name) || "file_url".equals(name))
                    && !text.regionMatches(true, 0, "data:", 0, 5))) {
          return true;
        }
      } else if (value.isContainerNode() && referencesContent(value, media)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasValue(JsonNode v) {
    return v != null && !v.isNull() && !(v.isTextual() && v.asText().isEmpty());
  }

  private static long requestedOutput(ObjectNode body) {
    if (body == null) {
      return -1;
    }
    long max = -1;
    for (String field : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
      JsonNode v = body.get(field);
      if (v != null && v.canConvertToLong() && v.asLong() > 0) {
        max = v.asLong();
        break;
      }
    }
    JsonNode n = body.get("n");
    long choices = n != null && n.canConvertToLong() && n.asLong() > 1 ? n.asLong() : 1;
    return max < 0 ? -choices : max * choices; // negative: unknown per choice, |value| choices
  }

  private static double ceilingUsd(
      PlannedTarget t, long prompt, boolean kept, long requested, Operation op) {
    RoutingTable.Model model = t.provider().model(t.target().model()).orElse(null);
    if (model == null || model.pricing() == null) {
      return 0;
    }
    RoutingTable.Pricing p = model.pricing();
    if (p.currency() != null && !"USD".equalsIgnoreCase(p.currency())) {
      return 0;
    }
    long window = model.contextWindow() == null ? 0 : model.contextWindow();
    // A kept conversation, or content named by URL, may fill the window whatever the body's size.
    long in = window <= 0 ? prompt : kept ? window : Math.min(prompt, window);
    long out;
    if (op == Operation.EMBEDDINGS) {
      out = 0;
    } else if (requested > 0) {
      out = requested;
    } else {
      long perChoice = window > in ? window - in : DEFAULT_OUTPUT_CAP;
      out = perChoice * -requested;
    }
    // Any prompt token may be read from or written to the provider's cache; a write costs more
    // than plain input (Anthropic: 1.25x), so the dearest of the three covers the whole prompt.
    double inPrice = dearest(0, p.inputPerMillionTokens(), p.cachedInputPerMillionTokens());
    inPrice = dearest(inPrice, p.cacheWriteInputPerMillionTokens(), null);
    double outPrice = dearest(0, p.outputPerMillionTokens(), null);
    // The answer is priced when it ends, in whichever window is in force then: the dearest price.
    for (RoutingTable.PriceWindow w : p.windowsOrEmpty()) {
      inPrice = dearest(inPrice, w.inputPerMillionTokens(), w.cachedInputPerMillionTokens());
      inPrice = dearest(inPrice, w.cacheWriteInputPerMillionTokens(), null);
      outPrice = dearest(outPrice, w.outputPerMillionTokens(), null);
    }
    return (in * inPrice + out * outPrice) / 1_000_000.0;
  }

  private static double dearest(double price, Double one, Double other) {
    double most = one == null ? price : Math.max(price, one);
    return other == null ? most : Math.max(most, other);
  }
}
