package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A front door that does what {@code door} does, every method forwarded (the interface's default
 * ones too, so a wrapper never silently loses a door's own behaviour): tests override the one or
 * two methods they change or observe.
 */
public class ForwardingFrontDoor implements FrontDoor {

  protected final FrontDoor door;

  public ForwardingFrontDoor(FrontDoor door) {
    this.door = door;
  }

  @Override
  public Operation operation() {
    return door.operation();
  }

  @Override
  public ObjectNode decodeRequest(Buffer raw) {
    return door.decodeRequest(raw);
  }

  @Override
  public String model(ObjectNode request) {
    return door.model(request);
  }

  @Override
  public boolean wantsStream(ObjectNode request) {
    return door.wantsStream(request);
  }

  @Override
  public boolean askForUsage(ObjectNode request) {
    return door.askForUsage(request);
  }

  @Override
  public ChatForm toChat(ObjectNode request) {
    return door.toChat(request);
  }

  @Override
  public Future<List<PlannedTarget>> narrowPlan(
      ObjectNode request, ChatForm form, List<PlannedTarget> plan, RequestContext ctx) {
    return door.narrowPlan(request, form, plan, ctx);
  }

  @Override
  public Buffer encodeReply(JsonReply reply, ObjectNode request, RequestContext ctx) {
    return door.encodeReply(reply, request, ctx);
  }

  @Override
  public boolean readsReply(JsonReply reply) {
    return door.readsReply(reply);
  }

  @Override
  public StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx) {
    return door.streamEncoder(format, request, ctx);
  }

  @Override
  public Buffer encodeError(OpenAiError error) {
    return door.encodeError(error);
  }

  @Override
  public OpenAiError answerError(OpenAiError mapped, Throwable cause) {
    return door.answerError(mapped, cause);
  }

  @Override
  public List<String> passThroughHeaders() {
    return door.passThroughHeaders();
  }
}
