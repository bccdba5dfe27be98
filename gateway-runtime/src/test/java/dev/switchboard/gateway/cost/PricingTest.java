package dev.switchboard.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.adapter.AnthropicChatTranslation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cost arithmetic with exact figures: every price and every token kind is checked. */
class PricingTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final RoutingTable.Pricing GPT_4O =
      new RoutingTable.Pricing(2.50, 10.00, 1.25, "USD");

  @Test
  void uncachedInputCachedInputAndOutputEachUseTheirPrice() {
    // 1,000 input of which 400 cached, 500 output:
    // 600 x 2.50 + 400 x 1.25 + 500 x 10.00 = 1,500 + 500 + 5,000 = 7,000 per million.
    assertThat(Pricing.costUsd(GPT_4O, new TokenUsage(1_000, 500, 400)))
        .isCloseTo(0.007, within(1e-12));
  }

  @Test
  void withoutACachedPriceCachedInputCostsTheInputPrice() {
    RoutingTable.Pricing noCachedPrice = new RoutingTable.Pricing(3.0, 15.0, null, null);
    // 2,000 x 3 + 100 x 15 = 7,500 per million, cached or not.
    assertThat(Pricing.costUsd(noCachedPrice, new TokenUsage(2_000, 100, 1_500)))
        .isCloseTo(0.0075, within(1e-12));
  }

  @Test
  void cacheWritesCostTheCacheWritePriceAndTheInputPriceWithoutOne() {
    RoutingTable.Pricing sonnet =
        new RoutingTable.Pricing(3.00, 15.00, 0.30, "USD", null, null, 3.75);
    RoutingTable.Pricing sonnetWithoutWritePrice =
        new RoutingTable.Pricing(3.00, 15.00, 0.30, "USD");
    TokenUsage primed = new TokenUsage(1_000_000, 0, 0, 0, 1_000_000);

    assertThat(Pricing.costUsd(sonnet, primed)).isCloseTo(3.75, within(1e-12));
    assertThat(Pricing.costUsd(sonnetWithoutWritePrice, primed)).isCloseTo(3.00, within(1e-12));
  }

  @Test
  void anthropicUsageIsPricedByKind() {
    RoutingTable.Pricing sonnet =
        new RoutingTable.Pricing(3.00, 15.00, 0.30, "USD", null, null, 3.75);
    TokenUsage usage =
        AnthropicChatTranslation.usage(
            JSON.createObjectNode()
                .put("input_tokens", 100_000)
                .put("cache_read_input_tokens", 200_000)
                .put("cache_creation_input_tokens", 300_000)
                .put("output_tokens", 10_000));

    // Clients still see the whole input (uncached + read + written).
    assertThat(usage.inputTokens()).isEqualTo(600_000);
    assertThat(usage.cachedInputTokens()).isEqualTo(200_000);
    assertThat(usage.cacheWriteInputTokens()).isEqualTo(300_000);
    // 100k x 3.00 + 200k x 0.30 + 300k x 3.75 + 10k x 15.00 = 0.30 + 0.06 + 1.125 + 0.15.
    assertThat(Pricing.costUsd(sonnet, usage)).isCloseTo(1.635, within(1e-12));
  }

  @Test
  void aWindowsCacheWritePriceAppliesInsideItAndTheListPriceOutside() {
    RoutingTable.Pricing list =
        new RoutingTable.Pricing(
            3.00,
            15.00,
            0.30,
            "USD",
            List.of(
                new RoutingTable.PriceWindow(
                    "night", null, "22:00", "06:00", "UTC", 1.50, null, null, 1.875)),
            null,
            3.75);
    TokenUsage primed = new TokenUsage(1_000_000, 0, 0, 0, 1_000_000);

    RoutingTable.Pricing night =
        PriceSchedule.at(list, Instant.parse("2026-12-01T23:00:00Z")).pricing();
    RoutingTable.Pricing day =
        PriceSchedule.at(list, Instant.parse("2026-12-01T12:00:00Z")).pricing();
    assertThat(Pricing.costUsd(night, primed)).isCloseTo(1.875, within(1e-12));
    assertThat(Pricing.costUsd(day, primed)).isCloseTo(3.75, within(1e-12));
  }

  @Test
  void moreCachedAndWrittenThanInputTokensIsCappedAtTheInput() {
    RoutingTable.Pricing sonnet =
        new RoutingTable.Pricing(3.00, 15.00, 0.30, "USD", null, null, 3.75);
    // 1,000 input: 600 read x 0.30 + the remaining 400 (not 900) written x 3.75 = 180 + 1,500.
    assertThat(Pricing.costUsd(sonnet, new TokenUsage(1_000, 0, 600, 0, 900)))
        .isCloseTo(0.00168, within(1e-12));
  }

  @Test
  void moreCachedThanInputTokensIsCappedAtTheInput() {
    // 100 input all cached (not 300) x 1.25 + 0 output = 125 per million.
    assertThat(Pricing.costUsd(GPT_4O, new TokenUsage(100, 0, 300)))
        .isCloseTo(0.000125, within(1e-12));
  }

  @Test
  void missingPricesCountAsZeroAndOtherCurrenciesAreNotSummed() {
    assertThat(
            Pricing.costUsd(
                new RoutingTable.Pricing(null, 4.0, null, "usd"), new TokenUsage(1_000, 250, 0)))
        .isCloseTo(0.001, within(1e-12));
    assertThat(
            Pricing.costUsd(
                new RoutingTable.Pricing(1.0, 1.0, null, "EUR"), new TokenUsage(1_000, 1_000, 0)))
        .isNull();
  }

  @Test
  void aTargetIsPricedFromItsProvidersModelEntry() {
    RoutingTable.Provider provider =
        TestTables.provider(
            "openai",
            "openai",
            "https://api.openai.com/v1",
            true,
            Map.of("gpt-4o", new RoutingTable.Model(List.of("chat"), 128_000L, GPT_4O, null)),
            null);
    PlannedTarget priced =
        new PlannedTarget(TestTables.target("openai", "gpt-4o", 0), provider, PlannedTarget.STABLE);
    PlannedTarget unpriced =
        new PlannedTarget(
            TestTables.target("openai", "gpt-4o-mini", 0), provider, PlannedTarget.STABLE);

    assertThat(Pricing.costUsd(priced, new TokenUsage(1_000_000, 0, 0))).isEqualTo(2.5);
    assertThat(Pricing.costUsd(unpriced, new TokenUsage(1_000_000, 0, 0))).isNull();
    assertThat(Pricing.costUsd(priced, null)).isNull();
  }
}
