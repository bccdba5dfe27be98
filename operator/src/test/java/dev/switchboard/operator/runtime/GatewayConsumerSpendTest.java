package dev.switchboard.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConsumerSpendTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode report(boolean shared, double today) throws Exception {
    return JSON.readTree(
        "{\"shared\":"
            + shared
            + ",\"consumers\":[{\"name\":\"team\",\"tracked\":true,\"todayUsd\":"
            + today
            + ",\"monthUsd\":"
            + today
            + "}]}");
  }

  @Test
  void replicasCountingAloneAreSummedAndSaySoSharedReportsAreTheLargest() throws Exception {
    ConsumerSpendSource.Spent alone =
        GatewayConsumerSpend.combine(List.of(report(false, 6), report(false, 6))).get("team");
    assertThat(alone.todayUsd()).isEqualTo(12.0);
    assertThat(alone.shared()).isFalse();

    ConsumerSpendSource.Spent shared =
        GatewayConsumerSpend.combine(List.of(report(true, 6), report(true, 7))).get("team");
    assertThat(shared.todayUsd()).isEqualTo(7.0);
    assertThat(shared.shared()).isTrue();
  }
}
