package dev.switchboard.gateway.refusal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnswerOpeningTest {

  private static String chunk(int index, String content) {
    return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":"
        + index
        + ",\"delta\":{\"content\":\""
        + content
        + "\"},\"logprobs\":null,\"finish_reason\":null}]}";
  }

  @Test
  void collectsTheFirstChoicesDeltasIntoOneOpening() {
    AnswerOpening opening = new AnswerOpening();
    opening.appendStreamedChunk(
        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
    for (String word : new String[] {"I'm", " sorry,", " but", " I", " can\\u2019t", " help."}) {
      opening.appendStreamedChunk(chunk(0, word));
    }
    opening.appendStreamedChunk(
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    opening.appendStreamedChunk("{\"choices\":[],\"usage\":{\"completion_tokens\":6}}");

    assertThat(opening.text()).isEqualTo("I'm sorry, but I can\u2019t help.");
    assertThat(opening.isRefusal()).isTrue();
  }

  @Test
  void ignoresOtherChoicesWhereverTheirIndexStands() {
    AnswerOpening opening = new AnswerOpening();
    opening.appendStreamedChunk(chunk(0, "Sure, "));
    opening.appendStreamedChunk(chunk(1, "I can't help with that."));
    // The index after the delta: the content is taken back once the index says it is choice 2.
    opening.appendStreamedChunk(
        "{\"choices\":[{\"delta\":{\"content\":\"I won't.\"},\"index\":2}]}");
    opening.appendStreamedChunk(chunk(0, "here it is."));

    assertThat(opening.text()).isEqualTo("Sure, here it is.");
    assertThat(opening.isRefusal()).isFalse();
  }

  /** The text scan of compact chunks and the parser of other shapes read the same content. */
  @Test
  void readsEscapesAndEveryChunkShapeAlike() {
    AnswerOpening compact = new AnswerOpening();
    compact.appendStreamedChunk(chunk(0, "Line\\n\\\"quoted\\\" \\u00e9t\\u00e9 \\\\ \\/"));
    AnswerOpening pretty = new AnswerOpening();
    pretty.appendStreamedChunk(
        "{\n  \"choices\": [ { \"index\": 0,\n    \"delta\": { \"content\": "
            + "\"Line\\n\\\"quoted\\\" \\u00e9t\\u00e9 \\\\ \\/\" } } ]\n}");
    assertThat(compact.text()).isEqualTo("Line\n\"quoted\" \u00e9t\u00e9 \\ /");
    assertThat(pretty.text()).isEqualTo(compact.text());

    AnswerOpening shapes = new AnswerOpening();
    shapes.appendStreamedChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}");
    shapes.appendStreamedChunk(
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"},"
            + "\"logprobs\":{\"content\":[{\"token\":\"A\"}]}}]}");
    shapes.appendStreamedChunk(
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"B\"}},"
            + "{\"index\":1,\"delta\":{\"content\":\"X\"}}]}");
    shapes.appendStreamedChunk("{\"choices\":[{\"index\":10,\"delta\":{\"content\":\"Y\"}}]}");
    shapes.appendStreamedChunk("{\"choices\":[{\"delta\":{\"content\":\"C\"}}]}");
    shapes.appendStreamedChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"bad\\x\"}}]}");
    assertThat(shapes.text()).isEqualTo("ABC");
  }

  @Test
  void stopsAtTheCap() {
    AnswerOpening opening = new AnswerOpening();
    String word = "abcdefghij";
    for (int i = 0; i < 100; i++) {
      opening.appendStreamedChunk(chunk(0, word));
    }
    assertThat(opening.text()).hasSize(RefusalDetector.MAX_CHARS);
    assertThat(opening.isFull()).isTrue();
    opening.append("more");
    assertThat(opening.text()).hasSize(RefusalDetector.MAX_CHARS);
  }

  @Test
  void ignoresWhatIsNotAChunk() {
    AnswerOpening opening = new AnswerOpening();
    opening.appendStreamedChunk("{\"choices\":[{\"delta\":{\"content\":\"half");
    opening.appendStreamedChunk("<html>content</html>");
    opening.appendStreamedChunk("{\"error\":{\"message\":\"no content\"}}");
    opening.appendStreamedChunk(null);
    opening.appendStreamedChunk("{\"choices\":[{\"delta\":{\"content\":null}}]}");

    assertThat(opening.text()).isEmpty();
    assertThat(opening.isRefusal()).isFalse();
  }
}
