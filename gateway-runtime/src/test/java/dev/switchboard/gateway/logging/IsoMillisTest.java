package dev.switchboard.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoMillisTest {

  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static String format(long millis) {
    char[] out = new char[IsoMillis.MAX_LENGTH];
    return new String(out, 0, IsoMillis.format(millis, out));
  }

  @Test
  void writesTheSameInstantAsTheJdkForAnyMillisecondOfFourCenturies() {
    SplittableRandom random = new SplittableRandom(21);
    long from = Instant.parse("1970-01-01T00:00:00Z").toEpochMilli();
    long to = Instant.parse("2399-12-31T23:59:59.999Z").toEpochMilli();
    for (int i = 0; i < 200_000; i++) {
      long millis = random.nextLong(from, to + 1);
      String text = format(millis);
      assertThat(text).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(millis)));
      assertThat(Instant.parse(text).toEpochMilli()).isEqualTo(millis);
    }
  }

  @Test
  void handlesLeapDaysAndTheEdgesOfDaysAndYears() {
    for (String t :
        new String[] {
          "2024-02-29T00:00:00.000Z",
          "2100-02-28T23:59:59.999Z",
          "2100-03-01T00:00:00.000Z",
          "2000-02-29T12:00:00.001Z",
          "2026-12-31T23:59:59.999Z",
          "2027-01-01T00:00:00.000Z",
          "1970-01-01T00:00:00.000Z"
        }) {
      assertThat(format(Instant.parse(t).toEpochMilli())).isEqualTo(t);
    }
  }
}
