package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streamed retrieve ({@code GET /v1/responses/{id}?stream=true}) has the request's deadline as
 * every other request has — the gateway's maximum when the client asks for none — on the gateway's
 * clock: a stream still open there ends with the one terminal {@code error} event ({@code
 * upstream_timeout}) a stream cut at its deadline ends with, and the provider's request is reset.
 * It used to be bounded only by a deadline the client asked for, so a provider sending an event now
 * and then (or nothing, under a long {@code streamIdle}) held it open for ever.
 */
class StoredResponseDeadlineIT {

  private static final String KEY = "sk-provider-0123456789abcdef";

  /** Every timeout of provider {@code patient}: far past the gateway's maximum deadline. */
  private static final long LONG_MS = 3_600_000;

  @TempDir Path dir;

  final ManualClock clock = new ManualClock();
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys(KEY),
            m ->
                TestTables.table(
                    List.of(
                        provider(
                            "patient",
                            "openai",
                            m.baseUrl(),
                            true,
                            Map.of(),
                            new RoutingTable.Timeouts(null, LONG_MS, LONG_MS, LONG_MS))),
                    List.of(route("patient", List.of(), target("patient", "gpt-4.1", 0)))),
            Map.of("patient", KEY),
            o -> o,
            clock);
    mock = gateway.mock();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aStreamedRetrieveEndsAtTheGatewaysDeadline() throws Exception {
    String id = create("Follow me");
    long abortsBefore = mock.stats().clientAborts();

    // Events keep coming, each well within the provider's (hour-long) stream-idle and total.
    mock.faults().set("*", "drip:300");
    HttpResponse<InputStream> stream =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(gateway.origin() + "/v1/responses/" + id + "?stream=true"))
                    .header("x-request-id", "follow")
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
    StringBuilder body = new StringBuilder();
    // A third of the deadline passes after each of the first events: never silent for long.
    for (int i = 0; i < 3; i++) {
      body.append(nextEvent(reader));
      clock.advance(RequestDeadline.DEFAULT_MS / 3 - (i == 2 ? 1 : 0));
    }
    CompletableFuture<String> rest =
        CompletableFuture.supplyAsync(
            () -> {
              StringBuilder tail = new StringBuilder();
              reader.lines().forEach(l -> tail.append(l).append('\n'));
              return tail.toString();
            });

    assertThat(rest).isNotDone();
    clock.advance(1 + RequestDeadline.DEFAULT_MS % 3); // the deadline, to the millisecond

    body.append(rest.get(10, TimeUnit.SECONDS));
    List<SseEvent> events = SseParser.parseAll(body.toString());
    assertThat(events).as(body.toString()).noneMatch(e -> "response.completed".equals(e.event()));
    SseEvent last = events.get(events.size() - 1);
    assertThat(last.event()).as(body.toString()).isEqualTo("error");
    JsonNode error = GatewayHarness.json(last.data());
    assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
    assertThat(error.path("sequence_number").asLong())
        .isEqualTo(
            GatewayHarness.json(events.get(events.size() - 2).data())
                    .path("sequence_number")
                    .asLong()
                + 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
  }

  /**
   * The JSON stored-response calls have the gateway's deadline too: a provider that answers none of
   * them within it (its own timeouts an hour long) gets its request reset and the client a {@code
   * 504} {@code upstream_timeout} at the deadline, to the millisecond.
   */
  @Test
  void theJsonStoredResponseCallsEndAtTheGatewaysDeadline() throws Exception {
    String id = create("Hold me");
    mock.faults().set("*", "delay:20000");
    for (String[] call :
        List.of(
            new String[] {"GET", ""},
            new String[] {"GET", "/input_items"},
            new String[] {"POST", "/cancel"},
            new String[] {"DELETE", ""})) {
      int before = mock.requests().size();
      long abortsBefore = mock.stats().clientAborts();
      CompletableFuture<HttpResponse<String>> answer =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(
                          URI.create(gateway.origin() + "/v1/responses/" + id + call[1]))
                      .method(
                          call[0],
                          call[0].equals("POST")
                              ? HttpRequest.BodyPublishers.ofString("{}")
                              : HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(10)).until(() -> mock.requests().size() > before);

      clock.advance(RequestDeadline.DEFAULT_MS - 1);
      assertThat(answer).as(call[0] + call[1]).isNotDone();
      clock.advance(1);

      HttpResponse<String> late = answer.get(10, TimeUnit.SECONDS);
      assertThat(late.statusCode()).as(call[0] + call[1] + late.body()).isEqualTo(504);
      assertThat(GatewayHarness.json(late.body()).path("error").path("code").asText())
          .isEqualTo("upstream_timeout");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(mock.stats().clientAborts()).isGreaterThan(abortsBefore));
    }
  }

  private String create(String input) throws Exception {
    HttpResponse<String> created =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"patient\",\"input\":\"" + input + "\"}"))
                .build());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return GatewayHarness.json(created.body()).path("id").asText();
  }

  /** The next whole event of {@code reader}, its blank line included. */
  private static String nextEvent(BufferedReader reader) throws Exception {
    StringBuilder event = new StringBuilder();
    String line;
    while ((line = reader.readLine()) != null) {
      event.append(line).append('\n');
      if (line.isEmpty() && event.indexOf("data:") >= 0) {
        return event.toString();
      }
    }
    throw new AssertionError("the stream ended early: " + event);
  }
}
