package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelVersionsTest {

  /** Real model ids of every provider in the samples, each pinned to one snapshot. */
  private static final List<String> PINNED =
      List.of(
          "gpt-4o-2024-08-06",
          "gpt-4o-mini-2024-07-18",
          "gpt-4.1-2025-04-14",
          "gpt-5-2025-08-07",
          "o3-2025-04-16",
          "gpt-4-0613",
          "gpt-3.5-turbo-1106",
          "text-embedding-3-small",
          "text-embedding-3-large",
          "text-embedding-ada-002",
          "claude-sonnet-4-5-20250929",
          "claude-opus-4-1-20250805",
          "claude-3-5-sonnet-20241022",
          "claude-3-5-sonnet@20240620",
          "claude-3-haiku-20240307",
          "gemini-2.0-flash-001",
          "gemini-1.5-pro-002",
          "gemini-2.5-flash-preview-05-20",
          "gemini-2.0-flash-thinking-exp-1219",
          "text-embedding-004",
          "mistral-large-2411",
          "mistral-small-2503",
          "codestral-2501",
          "qwen-max-2025-01-25",
          "qwen3-235b-a22b-instruct-2507",
          "meta-llama/Llama-3.1-8B-Instruct",
          "Qwen/Qwen2.5-7B-Instruct",
          "mistralai/Mistral-7B-Instruct-v0.3",
          "llama3.1:8b",
          "qwen2.5:7b-instruct-q4_K_M");

  /** Aliases the provider re-points at new snapshots. */
  private static final List<String> FLOATING =
      List.of(
          "gpt-4o",
          "gpt-4o-mini",
          "gpt-4.1",
          "gpt-4.1-mini",
          "gpt-5",
          "o3",
          "chatgpt-4o-latest",
          "claude-sonnet-4-5",
          "claude-opus-4-1",
          "claude-3-5-sonnet-latest",
          "claude-sonnet-latest",
          "gemini-2.5-pro",
          "gemini-2.0-flash",
          "gemini-2.5-flash",
          "mistral-small-latest",
          "qwen-flash",
          "gemini-flash-latest",
          "mistral-large-latest",
          "codestral-latest",
          "deepseek-chat",
          "deepseek-reasoner",
          "qwen-max",
          "qwen-plus-latest",
          "llama3.1:latest",
          "nomic-embed-text");

  @Test
  void datedAndSnapshotNamesArePinned() {
    assertThat(PINNED)
        .allSatisfy(name -> assertThat(ModelVersions.floating(name)).as(name).isFalse());
  }

  @Test
  void aliasesAndLatestFloat() {
    assertThat(FLOATING)
        .allSatisfy(name -> assertThat(ModelVersions.floating(name)).as(name).isTrue());
  }

  @Test
  void latestWinsOverEverythingElse() {
    assertThat(ModelVersions.floating("meta-llama/latest")).isTrue();
    assertThat(ModelVersions.floating("GPT-4O-LATEST")).isTrue();
    assertThat(ModelVersions.floating("  ")).isFalse();
  }
}
