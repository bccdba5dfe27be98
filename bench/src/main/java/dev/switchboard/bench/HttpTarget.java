package dev.switchboard.bench;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

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
 * @param uniqueBodies whether every request's question carries a sequence number, so that no two
 *     bodies are equal (an exact cache misses every one of them)
 */
public record HttpTarget(
    String name, int port, MultiMap headers, Buffer body, String path, boolean uniqueBodies) {

  private static final AtomicLong SEQUENCE = new AtomicLong();

  /** The question's end in every chat body, where a sequence number goes for unique bodies. */
  private static final String QUESTION_END = "sentence.";

  /** The same target with a different question in every request (see {@link #uniqueBodies}). */
  public HttpTarget withUniqueBodies() {
    return new HttpTarget(name, port, headers, body, path, true);
  }

  /**
   * The same chat target asking for {@code temperature}. A response cache serves only answers asked
   * for at or below its policy's {@code maxTemperature} (0.3 by default) and bypasses the rest;
   * without a temperature the API's default, 1.0, applies.
   */
  public HttpTarget withTemperature(double temperature) {
    String json = body.toString();
    if (!json.startsWith("{\"model\":")) {
      throw new IllegalStateException("not a chat body: " + json);
    }
    String withTemperature = "{\"temperature\":" + temperature + "," + json.substring(1);
    return new HttpTarget(name, port, headers, Buffer.buffer(withTemperature), path, uniqueBodies);
  }

  /** The same target with {@code header} set to {@code value}. */
  public HttpTarget withHeader(String header, String value) {
    MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(headers);
    copy.set(header, value);
    return new HttpTarget(name, port, copy, body, path, uniqueBodies);
  }

  /** The body of the next request: {@link #body} itself, or a unique variant of it. */
  public Buffer nextBody() {
    if (!uniqueBodies) {
      return body;
    }
    String json = body.toString();
    int at = json.indexOf(QUESTION_END);
    if (at < 0) {
      throw new IllegalStateException("no question to number in " + json);
    }
    int end = at + QUESTION_END.length();
    return Buffer.buffer(
        json.substring(0, end) + " #" + SEQUENCE.incrementAndGet() + json.substring(end));
  }

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
    return new HttpTarget(name, port, all, Buffer.buffer(json), MESSAGES_PATH, false);
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
    return new HttpTarget(name, port, all, Buffer.buffer(json), PATH, false);
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
    return new HttpTarget(name, port, all, Buffer.buffer(json), path, false);
  }
}
