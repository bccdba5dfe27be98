package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.lifecycle.Retirements;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.util.Map;

/**
 * Takes retired models out of the resolved route before any target is planned, so not one request
 * reaches a model after its {@code retiredAfter} date (read on the gateway clock): a retired target
 * is replaced by its successor or dropped, as the policy's {@code onRetired} says (see {@link
 * Retirements}). A route left without any target answers 410 in OpenAI's shape, naming the
 * retirement.
 */
public final class RetirementStage implements Stage {

  private final Retirements retirements;

  public RetirementStage(Retirements retirements) {
    this.retirements = retirements;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    ResolvedRoute route = ctx.route();
    long now = ctx.clock().currentTimeMillis();
    ResolvedRoute serving = retirements.apply(route, now);
    if (serving == route) {
      return true;
    }
    if (serving.candidates().isEmpty() && !route.candidates().isEmpty()) {
      throw new ApiException(
          retired(route.route().model(), retirements.retired(route.candidates(), now)));
    }
    ctx.route(serving);
    return true;
  }

  static OpenAiError retired(String model, Map<String, String> retired) {
    StringBuilder which = new StringBuilder();
    retired.forEach(
        (target, date) ->
            which
                .append(which.isEmpty() ? "" : ", ")
                .append(target)
                .append(" (retired ")
                .append(date)
                .append(')'));
    return new OpenAiError(
        410,
        "The model '"
            + model
            + "' has no serving target: its models were retired by the provider: "
            + which
            + ".",
        "invalid_request_error",
        "model",
        "model_retired",
        "model_retired");
  }
}
