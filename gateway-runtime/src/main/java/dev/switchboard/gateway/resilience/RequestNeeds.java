package dev.switchboard.gateway.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenEstimate;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a request needs from a target: capabilities (tools, vision, json mode, embeddings) and room
 * in the context window. The prompt size is estimated cheaply ({@link TokenEstimate}: characters /
 * 4) of the request's messages (or embedding input) — the usual rule of thumb for English text with
 * OpenAI-style tokenizers — plus the requested completion limit ({@code max_completion_tokens} or
 * {@code max_tokens}). Good enough to avoid sending a 100k-token prompt to an 8k model; not a
 * tokenizer. And whether a message holds nothing but {@code file} parts (inline documents), which a
 * target whose adapter leaves such parts out cannot be sent at all ({@link #unsendable}).
 *
 * @param fileOnlyMessage a message's content is a non-empty list of {@code file} parts only
 */
public record RequestNeeds(
    Set<Capability> capabilities, long estimatedTokens, boolean fileOnlyMessage) {

  /** A capability named in a model's {@code capabilities} list. */
  public enum Capability {
    TOOLS,
    VISION,
    JSON,
    EMBEDDINGS;

    /** The name used in the routing table. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Needs nothing in particular (used where a request has not been parsed). */
  public static final RequestNeeds NONE = new RequestNeeds(Set.of(), 0, false);

  /** What {@code ctx}'s request needs, as the plan stage noted it; {@link #NONE} before that. */
  public static RequestNeeds of(RequestContext ctx) {
    return ctx.needs() instanceof RequestNeeds needs ? needs : NONE;
  }

  public RequestNeeds {
    capabilities = capabilities.isEmpty() ? Set.of() : Set.copyOf(capabilities);
  }

  /** Reads the needs from a validated request body. Never throws on odd shapes. */
  public static RequestNeeds of(JsonNode body, Operation op) {
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    long chars = 0;
    boolean fileOnly = false;
    if (op == Operation.EMBEDDINGS) {
      caps.add(Capability.EMBEDDINGS);
      chars = textLength(body.path("input"));
    } else {
      JsonNode tools = body.path("tools");
      JsonNode functions = body.path("functions");
      if ((tools.isArray() && !tools.isEmpty()) || (functions.isArray() && !functions.isEmpty())) {
        caps.add(Capability.TOOLS);
      }
      String format = body.path("response_format").path("type").asText("");
      if ("json_object".equals(format) || "json_schema".equals(format)) {
        caps.add(Capability.JSON);
      }
      for (JsonNode message : body.path("messages")) {
        JsonNode content = message.path("content");
        if (content.isArray()) {
          boolean onlyFiles = !content.isEmpty();
          for (JsonNode part : content) {
            String type = part.path("type").asText("");
            if ("image_url".equals(type) || "input_image".equals(type)) {
              caps.add(Capability.VISION);
            } else {
              chars += textLength(part.path("text"));
            }
            onlyFiles &= "file".equals(type);
          }
          fileOnly |= onlyFiles;
        } else {
          chars += textLength(content);
        }
      }
      chars += textLength(tools);
    }
    long completion =
        Math.max(body.path("max_completion_tokens").asLong(0), body.path("max_tokens").asLong(0));
    return new RequestNeeds(caps, TokenEstimate.of(chars) + Math.max(0, completion), fileOnly);
  }

  /**
   * Why {@code target} cannot serve this request, or null when it can. A model that declares no
   * capabilities or context window (or a provider that lists no models) is assumed able: the table
   * gives nothing to decide on, and refusing would break tables written before capabilities.
   */
  public String mismatch(PlannedTarget target) {
    RoutingTable.Model model = target.provider().model(target.target().model()).orElse(null);
    if (model == null) {
      return null;
    }
    if (!model.capabilities().isEmpty()) {
      List<String> missing = new ArrayList<>();
      for (Capability c : capabilities) {
        if (!model.capabilities().contains(c.wireName())) {
          missing.add(c.wireName());
        }
      }
      if (!missing.isEmpty()) {
        return target.id() + " lacks " + String.join(", ", missing);
      }
    }
    if (model.contextWindow() != null
        && model.contextWindow() > 0
        && estimatedTokens > model.contextWindow()) {
      return target.id()
          + " has a context window of "
          + model.contextWindow()
          + " tokens, the request needs about "
          + estimatedTokens;
    }
    return null;
  }

  /**
   * Why {@code target} cannot be sent this request at all, or null when it can: a message holds
   * nothing but inline documents ({@code file} parts) and the target's adapter leaves such parts
   * out (Mistral), so the message would go empty and the model would answer without the document.
   * Unlike {@link #mismatch}, this holds whatever the policy's {@code requireSameCapabilities}
   * says: it is not a guess from the table but what the request would become.
   */
  public String unsendable(PlannedTarget target) {
    if (fileOnlyMessage
        && UpstreamAdapters.forProvider(target.provider()).leavesOutFileParts(target.provider())) {
      return target.id()
          + " cannot take an inline file (PDF) part, and a message holds nothing else";
    }
    return null;
  }

  private static long textLength(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return 0;
    }
    if (node.isTextual()) {
      return node.asText().length();
    }
    if (node.isContainerNode()) {
      // Arrays of strings (embedding input), tool schemas: their JSON length is a fair proxy.
      return node.toString().length();
    }
    return 0;
  }
}
