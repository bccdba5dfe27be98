package dev.switchboard.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Reasons are what users grep for and alert on: CamelCase, each spelled once. */
class ReasonTest {

  @Test
  void wireNamesAreCamelCaseAndUnique() {
    assertThat(Arrays.stream(Reason.values()).map(Reason::wireName))
        .allMatch(name -> name.matches("([A-Z][a-z]+)+"))
        .doesNotHaveDuplicates();
  }

  @Test
  void aProblemCarriesItsReasonsWireName() {
    Problem problem = new Problem(Reason.PROVIDER_NOT_FOUND, "ProviderEndpoint 'x' does not exist");
    assertThat(problem.reasonName()).isEqualTo("ProviderNotFound");
  }
}
