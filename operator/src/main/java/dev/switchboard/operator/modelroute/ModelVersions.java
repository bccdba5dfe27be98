package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.operator.render.RouteReferences;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Tells a pinned model version from a floating alias by its name, as the production checklist asks
 * ("treat every model name as a semantic version"): a target that names an alias ({@code gpt-4o},
 * {@code claude-sonnet-4-5}, {@code mistral-large-latest}) lets the provider change the model
 * underneath without a change on our side, so the route says so in a condition.
 *
 * <p>The rules follow how providers spell snapshots: a date ({@code gpt-4o-2024-08-06}, {@code
 * claude-sonnet-4-5-20250929}, {@code claude-3-5-sonnet@20240620}, {@code qwen-max-2025-01-25}), a
 * numeric snapshot suffix ({@code gemini-2.0-flash-001}, {@code gpt-4-0613}, {@code
 * mistral-large-2411}, {@code qwen3-235b-a22b-instruct-2507}), a dated preview ({@code
 * gemini-2.5-flash-preview-05-20}), an explicit version ({@code Mistral-7B-Instruct-v0.3}), a
 * Hugging Face repository id or an Ollama tag other than {@code latest}. Anything ending in {@code
 * latest}, and any other bare name, floats. A few names are fixed snapshots without a suffix by the
 * provider's own statement (OpenAI's embedding models); they are listed.
 */
public final class ModelVersions {

  private static final Pattern LATEST = Pattern.compile("(^|[-:@._/])latest$");
  private static final Pattern DATE =
      Pattern.compile("(?<!\\d)(20\\d{2}-\\d{2}-\\d{2}|20\\d{6})(?!\\d)");
  private static final Pattern NUMERIC_SNAPSHOT = Pattern.compile("-\\d{3,4}$");
  private static final Pattern DATED_PREVIEW = Pattern.compile("-(preview|exp)-\\d{2}-\\d{2}$");
  private static final Pattern EXPLICIT_VERSION = Pattern.compile("-v\\d+(\\.\\d+)*$");
  private static final Pattern OLLAMA_TAG = Pattern.compile("^[^/:]+:[^:]+$");

  /** Fixed snapshots the provider publishes without a suffix (checked as exact names). */
  private static final Set<String> FIXED =
      Set.of(
          "text-embedding-3-small",
          "text-embedding-3-large",
          "text-embedding-ada-002",
          "whisper-1",
          "tts-1",
          "tts-1-hd");

  private ModelVersions() {}

  /** Whether {@code model} is a floating alias the provider may re-point. */
  public static boolean floating(String model) {
    if (model == null || model.isBlank()) {
      return false; // nothing to say: an empty name is a validation problem elsewhere
    }
    String name = model.strip().toLowerCase(Locale.ROOT);
    if (LATEST.matcher(name).find()) {
      return true;
    }
    if (FIXED.contains(name)
        || DATE.matcher(name).find()
        || NUMERIC_SNAPSHOT.matcher(name).find()
        || DATED_PREVIEW.matcher(name).find()
        || EXPLICIT_VERSION.matcher(name).find()) {
      return false;
    }
    // A Hugging Face repository id (vLLM, TGI) names one published artefact; an Ollama tag
    // other than latest names one build.
    return !(name.contains("/") || OLLAMA_TAG.matcher(name).matches());
  }

  /**
   * The targets of a route (its own and its rules') that name floating aliases, as {@code
   * provider/model}, in spec order, each once.
   */
  public static List<String> floatingTargets(ModelRouteSpec spec) {
    Set<String> found = new LinkedHashSet<>();
    for (RouteTarget target : RouteReferences.allTargets(spec)) {
      if (floating(target.getModel())) {
        String provider = target.getProviderRef() == null ? "?" : target.getProviderRef().getName();
        found.add(provider + "/" + target.getModel());
      }
    }
    return new ArrayList<>(found);
  }
}
