package dev.switchboard.operator.providerendpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.operator.status.Problem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamAddressGuardTest {

  private final UpstreamAddressGuard strict = new UpstreamAddressGuard(false, false);
  private final UpstreamAddressGuard permissive = new UpstreamAddressGuard(true, true);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/latest/meta-data",
        "http://169.254.0.1:8080/v1",
        "http://[fd00:ec2::254]/latest",
        "http://metadata.google.internal/computeMetadata/v1",
        "http://METADATA.google.internal./computeMetadata/v1",
        "http://metadata/computeMetadata/v1",
        "http://100.100.100.200/latest/meta-data",
        "http://[fe80::1]/v1",
        "http://[febf::1]/v1",
        "http://[::ffff:169.254.169.254]/v1",
        "http://2852039166/v1",
        "http://0xa9fea9fe/v1",
        "http://0251.0376.0251.0376/v1",
        "http://0177.0.0.1/v1",
        "http://169.254.43518/v1",
        "http://[::169.254.169.254]/v1",
        "http://[::a9fe:a9fe]/v1",
        "http://[64:ff9b::169.254.169.254]/v1",
        "http://[64:ff9b::a9fe:a9fe]/v1",
        "http://[::ffff:a9fe:a9fe]/v1",
        "http://[::100.100.100.200]/v1",
        "http://[64:ff9b::100.100.100.200]/v1",
        // 6to4 (2002:aabb:ccdd::/48 reaches aa.bb.cc.dd) and local-use NAT64 (64:ff9b:1::/48),
        // there with the IPv4 address at /96 and at /48 (bytes 6-7 and 9-10, byte 8 zero).
        "http://[2002:a9fe:a9fe::]/v1",
        "http://[2002:a9fe:a9fe:1::1]/v1",
        "http://[2002:6464:64c8::]/v1",
        "http://[64:ff9b:1::169.254.169.254]/v1",
        "http://[64:ff9b:1::a9fe:a9fe]/v1",
        "http://[64:ff9b:1:a9fe:a9:fe00::]/v1",
        "http://[64:ff9b:1::100.100.100.200]/v1",
        // Teredo (2001:0::/32): the server's IPv4 address in bits 32-63, the client's in the last
        // 32 bits with every bit flipped (5601:5601 is 169.254.169.254, 9b9b:9b37 100.100.100.200).
        "http://[2001:0:a9fe:a9fe::]/v1",
        "http://[2001:0:808:808::5601:5601]/v1",
        "http://[2001:0:808:808:8000:f227:5601:5601]/v1",
        "http://[2001:0:808:808::9b9b:9b37]/v1"
      })
  void refusesMetadataAndLinkLocalEvenWhenPrivateRangesAreAllowed(String baseUrl) {
    // Refused either as a forbidden address or, where java.net.URI cannot even read the host
    // (some numeric forms), as an invalid URL: never accepted.
    assertThat(permissive.check(baseUrl))
        .get()
        .extracting(Problem::reasonName)
        .isIn("UpstreamAddressNotAllowed", "InvalidBaseUrl");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // Teredo with the client's bits all zero: inverted, they are 255.255.255.255.
        "http://[2001:0:808:808::]/v1",
        "http://[2001:0:808:808:8000:f227:0:0]/v1",
        // Teredo with the broadcast address as its server.
        "http://[2001:0:ffff:ffff::f7f7:f7f7]/v1",
        "http://255.255.255.255/v1",
        "http://[::ffff:255.255.255.255]/v1",
        "http://[::255.255.255.255]/v1",
        "http://[64:ff9b::ffff:ffff]/v1",
        "http://[64:ff9b:1::255.255.255.255]/v1",
        "http://[2002:ffff:ffff::]/v1"
      })
  void refusesTheBroadcastAddressHoweverItIsWrittenEvenWhenEverythingElseIsAllowed(String baseUrl) {
    assertThat(permissive.check(baseUrl))
        .get()
        .satisfies(
            problem -> {
              assertThat(problem.reasonName()).isEqualTo("UpstreamAddressNotAllowed");
              assertThat(problem.message()).contains("broadcast address");
            });
    assertThat(strict.check(baseUrl)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:8000/v1",
        "http://localhost:11434/v1",
        "http://[::1]:8000/v1",
        "http://0.0.0.0:8000/v1",
        "http://[::127.0.0.1]:8000/v1",
        "http://[64:ff9b::127.0.0.1]:8000/v1",
        "http://[::ffff:127.0.0.1]:8000/v1",
        "http://[2002:7f00:1::]:8000/v1",
        "http://[64:ff9b:1::127.0.0.1]:8000/v1",
        "http://[64:ff9b:1:7f00:0:100::]:8000/v1",
        "http://[2001:0:7f00:1::f7f7:f7f7]:8000/v1",
        "http://[2001:0:808:808::80ff:fffe]:8000/v1"
      })
  void refusesLoopbackUnlessAllowed(String baseUrl) {
    assertThat(strict.check(baseUrl))
        .get()
        .extracting(Problem::message)
        .asString()
        .contains("SWITCHBOARD_ALLOW_LOOPBACK_UPSTREAMS");
    assertThat(permissive.check(baseUrl)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://10.0.0.5:8000/v1",
        "http://172.16.3.4/v1",
        "http://192.168.1.10/v1",
        "http://100.64.0.7/v1",
        "http://240.10.0.5/v1",
        "http://255.255.255.254/v1",
        "http://[::ffff:240.0.0.1]/v1",
        "http://[fd12:3456::1]/v1",
        "http://[::10.0.0.5]:8000/v1",
        "http://[64:ff9b::10.0.0.5]:8000/v1",
        "http://[64:ff9b::c0a8:10a]/v1",
        "http://[::ffff:192.168.1.10]/v1",
        "http://[2002:a00:5::]:8000/v1",
        "http://[2002:c0a8:10a::1]/v1",
        "http://[64:ff9b:1::10.0.0.5]:8000/v1",
        "http://[64:ff9b:1:c0a8:1:a00::]/v1",
        "http://[2001:0:c0a8:10a::f7f7:f7f7]/v1",
        "http://[2001:0:808:808::f5ff:fffa]:8000/v1",
        "http://[2001:0:808:808::3f57:5cf5]/v1"
      })
  void refusesPrivateRangesUnlessAllowed(String baseUrl) {
    assertThat(strict.check(baseUrl))
        .get()
        .extracting(Problem::message)
        .asString()
        .contains("SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS");
    assertThat(permissive.check(baseUrl)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://api.openai.com/v1",
        "https://my-resource.openai.azure.com/openai",
        "http://vllm.models.svc.cluster.local:8000/v1",
        "https://8.8.8.8/v1",
        "https://[2606:4700::1111]/v1",
        "https://[64:ff9b::8.8.8.8]/v1",
        "https://[2002:808:808::1]/v1",
        "https://[64:ff9b:1::8.8.8.8]/v1",
        "https://[64:ff9b:1:808:8:800::]/v1",
        "https://[2001:0:808:808:8000:f227:f7f7:f7f7]/v1",
        "https://[2001:4860:4860::8888]/v1"
      })
  void acceptsPublicAddressesAndHostNamesWithoutResolvingThem(String baseUrl) {
    assertThat(strict.check(baseUrl)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://admin:s3cr3t@api example.com/v1",
        "http://admin:s3cr3t@under_score.example/v1",
        "http://admin:s3cr3t@/v1",
        "http://admin:s3/cr?3t@host name/v1",
        "http://admin:s3@cr3t@under_score/v1",
        "admin:s3cr3t@api.example.com/v1"
      })
  void aBaseUrlThatDoesNotParseIsNotRepeatedWithItsCredentials(String baseUrl) {
    assertThat(permissive.check(baseUrl))
        .get()
        .extracting(Problem::message)
        .asString()
        .contains("***@")
        .doesNotContain("admin")
        .doesNotContain("s3");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https:///v1beta?key=AIzaSyS3cr3tK3y",
        "https://api example.com/v1?key=AIzaSyS3cr3tK3y",
        "https://under_score.example/v1?api-key=AIzaSyS3cr3tK3y",
        "https://under_score.example/v1#AIzaSyS3cr3tK3y"
      })
  void aBaseUrlThatIsRefusedIsNotRepeatedWithAKeyInItsQuery(String baseUrl) {
    assertThat(permissive.check(baseUrl))
        .get()
        .extracting(Problem::message)
        .asString()
        .contains("***")
        .doesNotContain("AIzaSyS3cr3tK3y");
  }
}
