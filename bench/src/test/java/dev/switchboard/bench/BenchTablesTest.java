package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableValidator;
import org.junit.jupiter.api.Test;

class BenchTablesTest {

  @Test
  void theScenarioRoutesAreValidAndCountedWhereTheReportNamesThem() {
    RoutingTable table = BenchTables.table(18080, 64, 20, 1000, 0);

    assertThat(table.routes()).hasSize(BenchTables.SCENARIO_ROUTES);
    assertThat(RoutingTableValidator.validate(table)).isEmpty();
    // Each scenario's upstream knobs travel as its provider's static headers.
    assertThat(table.providers().get(BenchTables.WARM_STREAM_ROUTE).headers())
        .containsEntry("x-mock-stream-chunks", Integer.toString(BenchTables.WARM_STREAM_CHUNKS))
        .containsEntry("x-mock-chunk-interval-ms", "0");
    assertThat(BenchTables.table(18080, 64, 20, 1000, 10).routes())
        .hasSize(BenchTables.SCENARIO_ROUTES + 10);
  }
}
