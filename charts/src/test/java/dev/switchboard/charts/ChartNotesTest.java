package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Release;
import org.junit.jupiter.api.Test;

/** NOTES.txt, as {@code helm install --dry-run=client} prints it. */
class ChartNotesTest {

  @Test
  void notesTellHowToCallTheGatewayAndCheckStatus() {
    String notes = notes(false);

    assertThat(notes)
        .contains("http://switchboard-gateway.switchboard-system.svc:80/v1")
        .contains("port-forward svc/switchboard-gateway 8080:80")
        .contains(
            "curl http://127.0.0.1:8080/v1/models -H \"Authorization: Bearer $SWITCHBOARD_KEY\"")
        .contains("every /v1 request needs one of its keys")
        // /admin/* answers the operator's credential only: the notes say how a person reads it.
        .contains("curl http://127.0.0.1:9090/metrics")
        .contains("gateway.adminKeySha256")
        .contains("/admin/config -H \"Authorization: Bearer $ADMIN_KEY\"")
        .contains("get providerendpoints,routingpolicies,modelroutes")
        .contains("The operator watches: switchboard-system.")
        .doesNotContain("cluster-wide mode is on");
  }

  @Test
  void notesWarnAboutClusterWideSecretAccess() {
    assertThat(notes(true))
        .contains("every namespace (cluster-wide)")
        .contains("the operator can read Secrets in every namespace");
  }

  private static String notes(boolean clusterWide) {
    Release release =
        Charts.helm()
            .install()
            .withName(Charts.RELEASE)
            .withNamespace(Charts.NAMESPACE)
            .clientOnly()
            .withDryRunOption(DryRun.CLIENT)
            .set("operator.clusterWide", clusterWide)
            .call();
    String output = release.getOutput();
    assertThat(output).contains("NOTES:");
    return output.substring(output.indexOf("NOTES:"));
  }
}
