package dev.switchboard.operator.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UrlRedactionTest {

  @Test
  void aUrlWithAHostLosesExactlyItsUserInfo() {
    assertThat(UrlRedaction.withoutUserInfo("http://scraper:s3cr3t@prometheus:9090/api?x=a@b"))
        .isEqualTo("http://***@prometheus:9090/api?x=a@b");
    assertThat(UrlRedaction.withoutUserInfo("http://prometheus:9090/"))
        .isEqualTo("http://prometheus:9090/");
  }

  @Test
  void aUrlThatDoesNotParseIsCutAtItsLastAt() {
    // A password may hold '/', '?' or '@': everything before the last '@' may be secret.
    assertThat(UrlRedaction.withoutUserInfo("http://admin:s3/cr?3t@host name/v1"))
        .isEqualTo("http://***@host name/v1");
    assertThat(UrlRedaction.withoutUserInfo("http://admin:s3@cr3t@under_score/v1"))
        .isEqualTo("http://***@under_score/v1");
    assertThat(UrlRedaction.withoutUserInfo("admin:s3cr3t@api.example.com/v1"))
        .isEqualTo("***@api.example.com/v1");
    assertThat(UrlRedaction.withoutUserInfo("not a url")).isEqualTo("not a url");
  }

  @Test
  void aShownUrlLosesItsQueryAndFragmentToo() {
    assertThat(
            UrlRedaction.shown("https://generativelanguage.googleapis.com/v1beta?key=AIzaSyS3cr3t"))
        .isEqualTo("https://generativelanguage.googleapis.com/v1beta?***");
    assertThat(UrlRedaction.shown("http://scraper:s3cr3t@prometheus:9090/api?x=a@b#t0ken"))
        .isEqualTo("http://***@prometheus:9090/api?***");
    assertThat(UrlRedaction.shown("https://host/v1#t0ken")).isEqualTo("https://host/v1#***");
    // No host: refused for that, and quoted in the condition without the key.
    assertThat(UrlRedaction.shown("https:///v1?key=AIzaSyS3cr3t")).isEqualTo("https:///v1?***");
    assertThat(UrlRedaction.shown("http://admin:s3/cr?3t@host name/v1?key=k"))
        .isEqualTo("http://***@host name/v1?***");
    assertThat(UrlRedaction.shown("http://prometheus:9090/")).isEqualTo("http://prometheus:9090/");
  }
}
