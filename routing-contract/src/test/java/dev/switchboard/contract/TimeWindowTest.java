package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimeWindowTest {

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @Test
  void aWindowCrossingMidnightBelongsToTheDayItStartsOn() {
    // Friday 22:00 to Saturday 06:00 Berlin time (UTC+1 in January).
    TimeWindow w = TimeWindow.of("night", List.of("Fri"), "22:00", "06:00", "Europe/Berlin");
    assertThat(w.contains(at("2030-01-04T20:59:59Z"))).isFalse(); // Fri 21:59:59 local
    assertThat(w.contains(at("2030-01-04T21:00:00Z"))).isTrue(); // Fri 22:00 local
    assertThat(w.contains(at("2030-01-05T04:59:00Z"))).isTrue(); // Sat 05:59 local
    assertThat(w.contains(at("2030-01-05T05:00:00Z"))).isFalse(); // Sat 06:00 local: end excluded
    // Saturday evening is not a Friday start.
    assertThat(w.contains(at("2030-01-05T21:30:00Z"))).isFalse();
    // Thursday night's morning part: Thursday is not listed.
    assertThat(w.contains(at("2030-01-04T03:00:00Z"))).isFalse();
  }

  @Test
  void twentyFourHundredEndsWithTheDayAndEveryDayIsTheDefault() {
    TimeWindow weekend = TimeWindow.of("weekend", List.of("Sat", "Sun"), "00:00", "24:00", "UTC");
    assertThat(weekend.contains(at("2030-01-05T00:00:00Z"))).isTrue(); // Sat
    assertThat(weekend.contains(at("2030-01-06T23:59:59Z"))).isTrue(); // Sun
    assertThat(weekend.contains(at("2030-01-07T00:00:00Z"))).isFalse(); // Mon
    TimeWindow daily = TimeWindow.of("late", null, "16:30", "24:00", null);
    assertThat(daily.contains(at("2030-01-08T16:30:00Z"))).isTrue();
    assertThat(daily.contains(at("2030-01-08T16:29:59Z"))).isFalse();
  }

  @Test
  void daylightSavingNightsAreReadInLocalWallClockTime() {
    // Europe/Berlin springs forward on 2030-03-31 at 02:00 local (01:00 UTC) and falls back on
    // 2030-10-27 at 03:00 local (01:00 UTC).
    TimeWindow night = TimeWindow.of("night", null, "01:00", "04:00", "Europe/Berlin");
    // Spring: 01:00 CET = 00:00 UTC ... 04:00 CEST = 02:00 UTC: two real hours.
    assertThat(night.contains(at("2030-03-30T23:59:00Z"))).isFalse();
    assertThat(night.contains(at("2030-03-31T00:00:00Z"))).isTrue();
    assertThat(night.contains(at("2030-03-31T01:59:00Z"))).isTrue();
    assertThat(night.contains(at("2030-03-31T02:00:00Z"))).isFalse();
    // Autumn: 01:00 CEST = 23:00 UTC ... 04:00 CET = 03:00 UTC: four real hours.
    assertThat(night.contains(at("2030-10-26T23:00:00Z"))).isTrue();
    assertThat(night.contains(at("2030-10-27T02:59:00Z"))).isTrue();
    assertThat(night.contains(at("2030-10-27T03:00:00Z"))).isFalse();
    // A window starting inside the skipped hour starts when the clocks have jumped.
    TimeWindow gap = TimeWindow.of("gap", List.of("Sun"), "02:30", "05:00", "Europe/Berlin");
    assertThat(gap.contains(at("2030-03-31T00:59:00Z"))).isFalse(); // 01:59 CET
    assertThat(gap.contains(at("2030-03-31T01:00:00Z"))).isTrue(); // 03:00 CEST
  }

  @Test
  void overlapsAreFoundAcrossZonesAndMidnightButTouchingWindowsDoNotOverlap() {
    TimeWindow night = TimeWindow.of("night", null, "22:00", "06:00", "UTC");
    TimeWindow morning = TimeWindow.of("morning", null, "06:00", "12:00", "UTC");
    TimeWindow early = TimeWindow.of("early", List.of("Wed"), "05:00", "07:00", "UTC");
    TimeWindow tokyo = TimeWindow.of("tokyo", List.of("Mon"), "08:00", "09:00", "Asia/Tokyo");
    assertThat(night.overlaps(morning)).isFalse();
    assertThat(night.overlaps(early)).isTrue();
    assertThat(early.overlaps(night)).isTrue();
    // Monday 08:00 Tokyo is Sunday 23:00 UTC: inside the nightly window.
    assertThat(tokyo.overlaps(night)).isTrue();
    assertThat(RoutingTableValidator.overlappingPairs(List.of(night, morning, early)))
        .containsExactly("night and early", "morning and early");
  }

  @Test
  void invalidTimesDaysAndZonesSayWhatIsWrong() {
    assertThatThrownBy(() -> TimeWindow.of("w", null, "24:00", "06:00", "UTC"))
        .hasMessageContaining("'24:00'");
    assertThatThrownBy(() -> TimeWindow.of("w", List.of("Fry"), "01:00", "06:00", "UTC"))
        .hasMessageContaining("'Fry'");
    assertThatThrownBy(() -> TimeWindow.of("w", null, "01:00", "06:00", "Mars/Olympus"))
        .hasMessageContaining("Mars/Olympus");
    assertThatThrownBy(() -> TimeWindow.of("w", null, "06:00", "06:00", "UTC"))
        .hasMessageContaining("differ");
  }

  @Test
  void theValidatorRejectsOverlappingPriceWindowsAndRuleStrategiesItDoesNotKnow() {
    RoutingTable.Provider p = RoutingTableCodecTest.provider("deepseek", "https://api.example");
    RoutingTable.Pricing pricing =
        new RoutingTable.Pricing(
            0.28,
            0.42,
            null,
            "USD",
            List.of(
                new RoutingTable.PriceWindow(
                    "night", null, "16:30", "00:30", "UTC", 0.14, 0.21, null),
                new RoutingTable.PriceWindow(
                    "weekend", List.of("Sun"), "00:00", "24:00", "UTC", 0.1, 0.1, null)));
    RoutingTable.Provider priced =
        new RoutingTable.Provider(
            p.name(),
            p.kind(),
            p.baseUrl(),
            p.hasKey(),
            p.apiVersion(),
            p.headers(),
            p.timeouts(),
            p.maxConcurrency(),
            p.quota(),
            p.healthCheck(),
            Map.of("deepseek-chat", new RoutingTable.Model(List.of("chat"), null, pricing, null)));
    RoutingTable base = RoutingTableCodecTest.sample(Map.of("deepseek", priced));
    assertThat(RoutingTableValidator.validate(base))
        .anyMatch(s -> s.contains("price windows overlap: night and weekend"));
  }
}
