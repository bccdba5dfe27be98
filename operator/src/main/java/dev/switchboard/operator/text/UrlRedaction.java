package dev.switchboard.operator.text;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The one user-info redaction for URLs the operator shows in status, events, exceptions and logs.
 * It lives in a package that depends on no other operator package, so the SSRF guard
 * (providerendpoint) and the Prometheus source (rollout.metrics) can both use it without a package
 * cycle.
 */
public final class UrlRedaction {

  private UrlRedaction() {}

  /**
   * The URL as status, events, exceptions and logs may show it: without its user-info ({@link
   * #withoutUserInfo}) and with its query and fragment replaced by {@code ?***} or {@code #***} — a
   * key in {@code ?key=…} (as Google's APIs take it) is as secret as a password, and a URL that is
   * refused for its shape is still quoted in the condition saying why.
   */
  public static String shown(String url) {
    String shown = withoutUserInfo(url);
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      if (c == '?' || c == '#') {
        return shown.substring(0, i) + c + "***";
      }
    }
    return shown;
  }

  /**
   * The URL as it may be shown: a {@code user:password@} part is replaced by {@code ***@}. A URL
   * that parses with a host loses exactly its user-info; one that does not (or has no host)
   * everything up to the last {@code @} after the scheme, taken as user-info (a password may hold
   * {@code /}, {@code ?} or {@code @}).
   */
  public static String withoutUserInfo(String url) {
    try {
      URI uri = new URI(url);
      if (uri.getHost() != null) {
        return uri.getRawUserInfo() == null ? url : url.replace(uri.getRawUserInfo() + "@", "***@");
      }
    } catch (URISyntaxException e) {
      // Not a URL: cut as far as it can be told below.
    }
    int at = url.lastIndexOf('@');
    if (at < 0) {
      return url;
    }
    int scheme = url.indexOf("://");
    int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
    return url.substring(0, start) + "***" + url.substring(at);
  }
}
