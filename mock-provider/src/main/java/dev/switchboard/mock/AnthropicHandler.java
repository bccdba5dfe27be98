package dev.switchboard.mock;

import dev.switchboard.mock.anthropic.AnthropicPayloads;
import dev.switchboard.mock.openai.ChatAnswer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Serves Anthropic's Messages API ({@code POST /v1/messages}, {@code POST
 * /v1/messages/count_tokens}, {@code GET /v1/models} with {@code anthropic-version}): {@code
 * x-api-key} authentication, Anthropic's errors, and every fault of the OpenAI paths in Anthropic's
 * wire format (a mid-stream failure is an {@code event: error} with {@code overloaded_error}).
 * Admission, fault rules, counting and records are the {@link ProviderHandler}'s.
 */
final class AnthropicHandler {

  /**
   * Request header: the answer's {@code cache_creation_input_tokens} (cost tests). Without it, a
   * request with {@code cache_control} anywhere reports half its uncached prompt as cache writes.
   */
  static final String CACHE_CREATION_HEADER = "x-mock-cache-creation-tokens";

  private final ProviderHandler provider;

  /** Anthropic's own mid-stream failure; an echo-auth fault appends the credentials. */
  private static final AnswerWriter.ErrorEvent OVERLOADED_EVENT =
      new AnswerWriter.ErrorEvent() {
        @Override
        public String of(String message, int eventsSent) {
          return of("", "", eventsSent);
        }

        @Override
        public String of(String standard, String echo, int eventsSent) {
          return AnthropicPayloads.event(
              AnthropicPayloads.error(
                  "overloaded_error", echo.isEmpty() ? "Overloaded" : "Overloaded." + echo));
        }

        /**
         * {@code stream-error:N;code=billing_error}: Anthropic's account out of credit as a stream
         * event; {@code code=credit_balance_too_low}: its older wording of the same ({@code
         * invalid_request_error} "Your credit balance is too low..."). Other codes: overloaded.
         */
        @Override
        public String coded(String message, String code, int eventsSent) {
          return switch (code) {
            case "billing_error" ->
                AnthropicPayloads.event(AnthropicPayloads.error("billing_error", message));
            case ErrorReplies.CREDIT_TOO_LOW_CODE ->
                AnthropicPayloads.event(
                    AnthropicPayloads.error("invalid_request_error", ErrorReplies.CREDIT_TOO_LOW));
            default -> of(message, eventsSent);
          };
        }
      };

  AnthropicHandler(ProviderHandler provider) {
    this.provider = provider;
  }

  void messages(RoutingContext ctx) {
    ProviderHandler.Admitted a =
        provider.admit(
            ctx,
            ApiShape.ANTHROPIC,
            true,
            true,
            body -> {
              if (!(body.getValue("messages") instanceof JsonArray)) {
                return new ProviderHandler.BadRequest("messages: Field required", null, null);
              }
              if (!(body.getValue("max_tokens") instanceof Number)) {
                return new ProviderHandler.BadRequest("max_tokens: Field required", null, null);
              }
              if (body.getValue("temperature") instanceof Number t
                  && (t.doubleValue() < 0 || t.doubleValue() > 1)) {
                // Anthropic's range is 0 to 1 (OpenAI's goes to 2).
                return new ProviderHandler.BadRequest(
                    "temperature: Input should be less than or equal to 1", null, null);
              }
              String thinking = AnthropicPayloads.thinkingProblem(body);
              return thinking == null ? null : new ProviderHandler.BadRequest(thinking, null, null);
            });
    if (a == null) {
      return;
    }
    provider.afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (provider.answerFault(ctx, ApiShape.ANTHROPIC, a)) {
            return;
          }
          JsonObject request = a.body();
          boolean stream = Boolean.TRUE.equals(request.getValue("stream"));
          int forcedPieces =
              ProviderHandler.parseInt(ctx.request().getHeader(MockProvider.STREAM_CHUNKS_HEADER));
          if (forcedPieces == 0 && a.fault().completionPieces() != null) {
            forcedPieces = a.fault().completionPieces();
          }
          ChatAnswer answer =
              ChatAnswer.of(
                      AnthropicPayloads.chatView(request),
                      a.echoedModel(),
                      a.fault().refusal(),
                      forcedPieces)
                  .withUsage(a.fault().promptTokens(), a.fault().cachedTokens())
                  .contentFiltered(a.fault().contentFilter());
          int uncached = Math.max(0, answer.promptTokens() - answer.cachedTokens());
          String header = ctx.request().getHeader(CACHE_CREATION_HEADER);
          // Like Anthropic, a request that marks a cache breakpoint writes to the cache: half of
          // the uncached prompt, unless the test header names an exact count.
          int cacheCreation =
              header != null
                  ? Math.min(ProviderHandler.parseInt(header), uncached)
                  : request.encode().contains("\"cache_control\"") ? uncached / 2 : 0;
          String id = "msg_mock" + Long.toHexString(provider.ids.incrementAndGet());
          String thinking = AnthropicPayloads.thinking(request);
          if (stream) {
            List<String> events =
                AnthropicPayloads.streamEvents(
                    id,
                    a.echoedModel(),
                    answer,
                    cacheCreation,
                    a.fault().anthropicStop(),
                    thinking);
            provider.writer.stream(
                ctx, events, provider.intervalMs(ctx, a.fault()), a.fault(), OVERLOADED_EVENT);
          } else {
            JsonObject body =
                AnthropicPayloads.message(
                    id,
                    a.echoedModel(),
                    answer,
                    cacheCreation,
                    a.fault().anthropicStop(),
                    thinking);
            if (a.fault().echoAuth() && a.fault().streamErrorAfterEvents() == null) {
              body.getJsonArray("content")
                  .getJsonObject(thinking != null ? 1 : 0)
                  .put(
                      "text",
                      "You called me with " + ErrorReplies.receivedCredentials(ctx.request()));
            }
            provider.writer.sendJson(ctx, body.encode(), a.fault());
          }
        });
  }

  void countTokens(RoutingContext ctx) {
    ProviderHandler.Admitted a =
        provider.admit(
            ctx,
            ApiShape.ANTHROPIC,
            true,
            true,
            body -> {
              if (!(body.getValue("messages") instanceof JsonArray)) {
                return new ProviderHandler.BadRequest("messages: Field required", null, null);
              }
              // Counted as the Messages request it would be: the same history rules apply.
              String thinking = AnthropicPayloads.thinkingProblem(body);
              return thinking == null ? null : new ProviderHandler.BadRequest(thinking, null, null);
            });
    if (a == null) {
      return;
    }
    provider.afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (provider.answerFault(ctx, ApiShape.ANTHROPIC, a)) {
            return;
          }
          ChatAnswer answer =
              ChatAnswer.of(AnthropicPayloads.chatView(a.body()), a.echoedModel(), false, 0)
                  .withUsage(a.fault().promptTokens(), null);
          provider.writer.sendJson(
              ctx, new JsonObject().put("input_tokens", answer.promptTokens()).encode(), a.fault());
        });
  }

  void models(RoutingContext ctx) {
    ProviderHandler.Admitted a = provider.admit(ctx, ApiShape.ANTHROPIC, false, true, null);
    if (a == null) {
      return;
    }
    provider.afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (provider.answerFault(ctx, ApiShape.ANTHROPIC, a)) {
            return;
          }
          provider.writer.sendJson(
              ctx, AnthropicPayloads.models(provider.knownModels()).encode(), a.fault());
        });
  }
}
