package dev.switchboard.bench;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * One place to send the same chat completion: the upstream directly, nginx in front of it, or the
 * gateway. Headers carry the mock upstream's knobs; through the gateway the routing table's
 * provider headers carry them instead, so every path asks the upstream for the same answer.
 *
 * @param name column name in the report ({@code direct}, {@code gateway}, {@code nginx})
 * @param port the loopback port to call
 * @param headers request headers (content type included)
 * @param body the request body
 * @param path the request path ({@link #PATH} unless another API is measured)
 */
public record HttpTarget(String name, int port, MultiMap headers, Buffer body, String path) {

  /** The OpenAI path every target serves. */
  public static final String PATH = "/v1/chat/completions";

  /** Anthropic's Messages path (the gateway's /v1/messages front door). */
  public static final String MESSAGES_PATH = "/v1/messages";

  /** An Anthropic Messages request for {@code model}: the same question as {@link #chat}. */
  public static HttpTarget messages(String name, int port, String model, boolean stream) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap();
    all.set("content-type", "application/json");
    all.set("accept", stream ? "text/event-stream" : "application/json");
    all.set("anthropic-version", "2023-06-01");
    String json =
        "{\"model\":\""
            + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in one short"
            + " sentence.\"}],\"max_tokens\":16"
            + (stream ? ",\"stream\":true" : "")
            + "}";
    return new HttpTarget(name, port, all, Buffer.buffer(json), MESSAGES_PATH);
  }

  /** A chat completion request for {@code model} with extra {@code headers}. */
  public static HttpTarget chat(
      String name, int port, String model, boolean stream, Map<String, String> headers) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap();
    all.set("content-type", "application/json");
    all.set("accept", stream ? "text/event-stream" : "application/json");
    headers.forEach(all::set);
    String json =
        "{\"model\":\""
            + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in one short"
            + " sentence.\"}],\"max_tokens\":16"
            // Streams ask for usage, as metering clients do: the gateway asks the upstream for it
            // anyway and hides the usage chunk from clients that did not, which would leave one
            // double-length gap per stream on the gateway's side only.
            + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
            + "}";
    return new HttpTarget(name, port, all, Buffer.buffer(json), PATH);
  }

  /** A POST of {@code json} to {@code path}, e.g. a Responses or Gemini request. */
  public static HttpTarget post(
      String name,
      int port,
      String path,
      boolean stream,
      String json,
      Map<String, String> headers) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap();
    all.set("content-type", "application/json");
    all.set("accept", stream ? "text/event-stream" : "application/json");
    headers.forEach(all::set);
    return new HttpTarget(name, port, all, Buffer.buffer(json), path);
  }
}
