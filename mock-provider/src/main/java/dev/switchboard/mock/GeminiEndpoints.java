package dev.switchboard.mock;

import dev.switchboard.mock.gemini.GeminiPayloads;
import dev.switchboard.mock.gemini.GeminiRequestCheck;
import dev.switchboard.mock.openai.ChatAnswer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The Gemini API ({@code v1beta}) of the mock: {@code models/{model}:generateContent}, {@code
 * :streamGenerateContent?alt=sse}, {@code :embedContent}, {@code :batchEmbedContents} and {@code
 * GET models}, with the key in {@code x-goog-api-key} (or {@code ?key=}). Admission, fault rules,
 * counting and records are the provider handler's; answers, errors and every fault are in Gemini's
 * wire format.
 */
final class GeminiEndpoints {

  private static final String PATH =
      "/v1beta/models/(?<model>[^/:]+):(?<method>generateContent|streamGenerateContent"
          + "|embedContent|batchEmbedContents)";

  private final ProviderHandler handler;

  GeminiEndpoints(ProviderHandler handler) {
    this.handler = handler;
  }

  void mount(Router router) {
    router.postWithRegex(PATH).handler(this::dispatch);
    router.get("/v1beta/models").handler(this::models);
  }

  private void dispatch(RoutingContext ctx) {
    switch (ctx.pathParam("method")) {
      case "generateContent" -> generate(ctx, false);
      case "streamGenerateContent" -> generate(ctx, true);
      case "embedContent" -> embed(ctx, false);
      default -> embed(ctx, true);
    }
  }

  private void generate(RoutingContext ctx, boolean stream) {
    if (stream && !"sse".equals(ctx.request().getParam("alt"))) {
      // Without alt=sse Google streams a JSON array; the gateway must always ask for SSE.
      handler.admit(
          ctx,
          ApiShape.GEMINI,
          true,
          true,
          body ->
              new ProviderHandler.BadRequest(
                  "This mock streams only as SSE: add ?alt=sse.", null, null));
      return;
    }
    ProviderHandler.Admitted a =
        handler.admit(
            ctx,
            ApiShape.GEMINI,
            true,
            true,
            body -> {
              if (!(body.getValue("contents") instanceof JsonArray contents)
                  || contents.isEmpty()) {
                return new ProviderHandler.BadRequest(
                    "* GenerateContentRequest.contents: contents is not specified", null, null);
              }
              String problem = GeminiRequestCheck.problem(body, ctx.pathParam("model"));
              if (problem == null && stream) {
                problem = GeminiRequestCheck.streamProblem(body);
              }
              return problem == null ? null : new ProviderHandler.BadRequest(problem, null, null);
            });
    if (a == null) {
      return;
    }
    handler.afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (handler.answerFault(ctx, ApiShape.GEMINI, a)) {
            return;
          }
          JsonObject request = a.body();
          int pieces =
              ProviderHandler.parseInt(ctx.request().getHeader(MockProvider.STREAM_CHUNKS_HEADER));
          if (pieces == 0 && a.fault().completionPieces() != null) {
            pieces = a.fault().completionPieces();
          }
          ChatAnswer answer =
              ChatAnswer.of(
                      GeminiPayloads.chatView(request),
                      a.echoedModel(),
                      a.fault().refusal(),
                      pieces)
                  .withUsage(a.fault().promptTokens(), a.fault().cachedTokens())
                  .contentFiltered(a.fault().contentFilter());
          String id = "mock" + Long.toHexString(handler.ids.incrementAndGet());
          int n = GeminiPayloads.candidateCount(request);
          if (stream) {
            List<String> events =
                GeminiPayloads.streamEvents(
                    id,
                    a.echoedModel(),
                    answer,
                    n,
                    a.fault().geminiFinish(),
                    a.fault().geminiFinishCandidate(),
                    a.fault().geminiUsageTail(),
                    a.fault().geminiSignatureTail());
            String thoughts = GeminiPayloads.thoughts(request);
            if (thoughts != null && answer.refusal() == null) {
              events = GeminiPayloads.withThoughts(events, thoughts, n);
            }
            handler.writer.stream(
                ctx,
                events,
                handler.intervalMs(ctx, a.fault()),
                a.fault(),
                new AnswerWriter.ErrorEvent() {
                  @Override
                  public String of(String message, int sent) {
                    return of(message, "", sent);
                  }

                  @Override
                  public String of(String standard, String echo, int sent) {
                    // Google's own message, with the credentials echoed when the fault asks.
                    return GeminiPayloads.event(
                        GeminiPayloads.error(
                            500, "INTERNAL", GeminiPayloads.INTERNAL_MESSAGE + echo, null, null));
                  }
                });
          } else {
            JsonObject body =
                GeminiPayloads.response(
                    id,
                    a.echoedModel(),
                    answer,
                    n,
                    a.fault().geminiFinish(),
                    a.fault().geminiFinishCandidate());
            String thoughts = GeminiPayloads.thoughts(request);
            if (thoughts != null) {
              GeminiPayloads.withThoughts(body, thoughts);
            }
            JsonObject config = request.getJsonObject("generationConfig", new JsonObject());
            if (Boolean.TRUE.equals(config.getValue("responseLogprobs"))) {
              // logprobs (0 to 20, checked at admission) alone, without responseLogprobs, asks
              // for nothing: Google documents it as valid only beside responseLogprobs.
              GeminiPayloads.withLogprobs(
                  body,
                  answer.pieces(),
                  config.getValue("logprobs") instanceof Number top ? top.intValue() : 0);
            }
            if (a.fault().echoAuth() && a.fault().streamErrorAfterEvents() == null) {
              body.getJsonArray("candidates")
                  .getJsonObject(0)
                  .put(
                      "content",
                      new JsonObject()
                          .put("role", "model")
                          .put(
                              "parts",
                              new JsonArray()
                                  .add(
                                      new JsonObject()
                                          .put(
                                              "text",
                                              "You called me with "
                                                  + ErrorReplies.receivedCredentials(
                                                      ctx.request())))));
            }
            handler.writer.sendJson(ctx, body.encode(), a.fault());
          }
        });
  }

  private void embed(RoutingContext ctx, boolean batch) {
    ProviderHandler.Admitted a =
        handler.admit(
            ctx,
            ApiShape.GEMINI,
            true,
            true,
            body ->
                GeminiPayloads.embeddingTexts(body, batch) == null
                    ? new ProviderHandler.BadRequest(
                        batch
                            ? "* BatchEmbedContentsRequest.requests: requests is not specified"
                            : "* EmbedContentRequest.content: content is not specified",
                        null,
                        null)
                    : null);
    if (a == null) {
      return;
    }
    List<String> texts = GeminiPayloads.embeddingTexts(a.body(), batch);
    int requested = GeminiPayloads.outputDimensionality(a.body(), batch);
    int dims = requested > 0 ? requested : handler.options.embeddingDimensions();
    handler.afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (handler.answerFault(ctx, ApiShape.GEMINI, a)) {
            return;
          }
          JsonObject body = GeminiPayloads.embeddings(a.echoedModel(), texts, dims, batch);
          handler.writer.sendJson(ctx, body.encode(), a.fault());
        });
  }

  private void models(RoutingContext ctx) {
    ProviderHandler.Admitted a = handler.admit(ctx, ApiShape.GEMINI, false, true, null);
    if (a == null) {
      return;
    }
    handler.afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (handler.answerFault(ctx, ApiShape.GEMINI, a)) {
            return;
          }
          handler.writer.sendJson(
              ctx, GeminiPayloads.models(handler.knownModels()).encode(), a.fault());
        });
  }
}
