package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.http.RequestValidator;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAI API as clients speak it: the internal request is the client's own body, answers and
 * stream chunks go out as the OpenAI-format upstream sent them, errors in OpenAI's error shape.
 */
abstract class OpenAiFrontDoor implements FrontDoor {

  /**
   * Client bodies with a field twice ({@code "model":"a","model":"b"}) are refused: Jackson would
   * keep the last one, while a WAF or an upstream parser in front or behind may read the first, so
   * the gateway would route and check a different request than the one that is sent on. Found where
   * the tree is built ({@code FAIL_ON_READING_DUP_TREE_KEY}: the object's put returns the field's
   * earlier value), not by the parser ({@code STRICT_DUPLICATE_DETECTION}, which kept a set of
   * every object's names: ~3 % of the plain gateway's samples, issue #21), with the same answer:
   * every object of the body is built into the tree, so none escapes either check.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

  private static final String DUPLICATE = "Duplicate field '";
  private static final int MAX_ECHOED_FIELD = 100;
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final Operation operation;

  OpenAiFrontDoor(Operation operation) {
    this.operation = operation;
  }

  @Override
  public Operation operation() {
    return operation;
  }

  @Override
  public ObjectNode decodeRequest(Buffer raw) {
    ObjectNode body = parse(raw);
    RequestValidator.validate(body, operation);
    return body;
  }

  @Override
  public String model(ObjectNode request) {
    return request.get("model").asText();
  }

  /** The upstream's bytes: every adapter answers chat completions and embeddings in this format. */
  @Override
  public Buffer encodeReply(JsonReply reply, ObjectNode request, RequestContext ctx) {
    return reply.body();
  }

  @Override
  public StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx) {
    return RELAY;
  }

  @Override
  public Buffer encodeError(OpenAiError error) {
    return error.toBuffer();
  }

  /** Chat chunks as the adapter relays them, each one {@code data:} event; stateless. */
  private static final StreamEncoder RELAY =
      new StreamEncoder() {
        @Override
        public Buffer event(StreamEventFacts event) {
          return sseEvent(event.payload());
        }

        @Override
        public Buffer end(StreamEventFacts done) {
          // A bridged stream's usage, when asked for, is its own chunk just before [DONE].
          String usage = done == null ? null : done.usageChunk();
          return usage == null ? DONE.copy() : sseEvent(usage).appendBuffer(DONE);
        }

        @Override
        public Buffer error(OpenAiError error) {
          // One error event, then close; OpenAI SDKs raise it as an APIError. No [DONE] after it.
          return sseEvent(error.toJson().toString());
        }
      };

  /** {@code data: <payload>\n\n} in one buffer, encoded once. */
  static Buffer sseEvent(String payload) {
    byte[] utf8 = payload.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(DATA.length + utf8.length + END.length)
        .appendBytes(DATA)
        .appendBytes(utf8)
        .appendBytes(END);
  }

  /**
   * The body parsed where it lies when it is a heap buffer (the client body as the server gathered
   * it), instead of from a copy of its bytes; otherwise from the copy.
   */
  private static JsonNode readTree(Buffer body) throws IOException {
    if (body instanceof BufferInternal internal) {
      ByteBuf bytes = internal.getByteBuf();
      if (bytes.hasArray()) {
        return JSON.readTree(
            bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
      }
    }
    return JSON.readTree(body.getBytes());
  }

  /** The client body as a JSON object, duplicate keys refused (400 otherwise). */
  static ObjectNode parse(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new ApiException(OpenAiError.invalidRequest("The request body is empty.", null));
    }
    JsonNode node;
    try {
      node = readTree(body);
    } catch (MismatchedInputException e) {
      String field = duplicateField(e);
      if (field != null) {
        throw new ApiException(
            OpenAiError.invalidRequest(
                "The request body has the field '"
                    + field
                    + "' more than once in one object; send each field once.",
                field));
      }
      throw unparsable();
    } catch (IOException e) {
      throw unparsable();
    }
    if (node == null || !node.isObject()) {
      throw new ApiException(
          OpenAiError.invalidRequest("The request body must be a JSON object.", null));
    }
    return (ObjectNode) node;
  }

  /**
   * The field Jackson's duplicate detection refused ({@code Duplicate field 'x' for ...}), or null
   * for any other error.
   */
  static String duplicateField(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null || !message.startsWith(DUPLICATE)) {
      return null;
    }
    int end = message.lastIndexOf('\'');
    if (end <= DUPLICATE.length()) {
      return null;
    }
    String field = message.substring(DUPLICATE.length(), end);
    // The name goes back into the error message: a huge one is cut, not echoed whole.
    return field.length() > MAX_ECHOED_FIELD ? field.substring(0, MAX_ECHOED_FIELD) + "…" : field;
  }

  private static ApiException unparsable() {
    return new ApiException(
        OpenAiError.invalidRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you"
                + " aren't using your HTTP library correctly.)",
            null));
  }
}
