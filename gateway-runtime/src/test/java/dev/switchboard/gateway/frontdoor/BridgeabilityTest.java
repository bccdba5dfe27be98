package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.responses.LocalResponseLocations;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One question, "can this request be served through chat completions?", asked in two places: by the
 * deterministic contract ({@link ChatForm#bridgeable}: is the seed dropped?) and by {@link
 * FrontDoor#narrowPlan} (is the chain kept to the targets that speak the door's format, or refused
 * when none does?). For every door and request the two answers agree.
 */
class BridgeabilityTest {

  private static final ManualClock CLOCK = new ManualClock();

  static PlannedTarget target(String provider, String kind) {
    return new PlannedTarget(
        TestTables.target(provider, "m", 0),
        TestTables.provider(provider, kind, "https://api.example.com/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  record Case(String name, FrontDoor door, String nativeKind, String body) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Case> cases() {
    FrontDoor messages = new MessagesFrontDoor();
    FrontDoor responses = new ResponsesFrontDoor(new LocalResponseLocations(CLOCK));
    String message = "{\"model\":\"x\",\"max_tokens\":8,\"messages\":[%s]%s}";
    return List.of(
        new Case(
            "messages, plain text",
            messages,
            "anthropic",
            message.formatted("{\"role\":\"user\",\"content\":\"hi\"}", "")),
        new Case(
            "messages, server tool",
            messages,
            "anthropic",
            message.formatted(
                "{\"role\":\"user\",\"content\":\"hi\"}",
                ",\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]")),
        new Case(
            "messages, document block",
            messages,
            "anthropic",
            message.formatted(
                "{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":"
                    + "\"text\",\"media_type\":\"text/plain\",\"data\":\"notes\"}}]}",
                "")),
        new Case(
            "messages, base64 PDF document",
            messages,
            "anthropic",
            message.formatted(
                "{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":"
                    + "\"base64\",\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}}]}",
                "")),
        new Case(
            "messages, image in a tool result",
            messages,
            "anthropic",
            message.formatted(
                "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
                    + "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                    + "\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}}]}]}",
                "")),
        new Case(
            "responses, plain text", responses, "openai", "{\"model\":\"x\",\"input\":\"hi\"}"),
        new Case(
            "responses, store",
            responses,
            "openai",
            "{\"model\":\"x\",\"input\":\"hi\",\"store\":true}"),
        new Case(
            "responses, file by its data",
            responses,
            "openai",
            "{\"model\":\"x\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_file\",\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}]}]}"),
        new Case(
            "responses, file by id",
            responses,
            "openai",
            "{\"model\":\"x\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_file\",\"file_id\":\"file-abc\"}]}]}"),
        new Case(
            "responses, hosted tool",
            responses,
            "openai",
            "{\"model\":\"x\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void bridgeableAndTheNarrowedPlanGiveTheSameAnswer(Case c) {
    ObjectNode request = c.door().decodeRequest(Buffer.buffer(c.body()));
    PlannedTarget native_ = target("native", c.nativeKind());
    PlannedTarget bridged = target("bridged", "openai-compatible");
    RequestContext ctx = new RequestContext("req", c.door().operation(), CLOCK);

    ChatForm form = c.door().toChat(request);
    boolean bridgeable = form.bridgeable();
    Future<List<PlannedTarget>> mixed =
        c.door().narrowPlan(request, form, List.of(bridged, native_), ctx);
    Throwable bridgedOnly =
        catchThrowable(() -> c.door().narrowPlan(request, form, List.of(bridged), ctx));

    if (bridgeable) {
      assertThat(mixed).as("a bridgeable request keeps the mixed chain").isNull();
      assertThat(bridgedOnly).as("a bridgeable request may be bridged").isNull();
    } else {
      assertThat(mixed.result()).as("kept to the native target").containsExactly(native_);
      assertThat(bridgedOnly)
          .as("refused where it would be bridged")
          .isInstanceOf(ApiException.class);
    }
  }
}
