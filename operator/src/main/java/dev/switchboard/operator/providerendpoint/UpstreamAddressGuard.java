package dev.switchboard.operator.providerendpoint;

import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import dev.switchboard.operator.text.UrlRedaction;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SSRF guard for upstream {@code baseUrl}s: refuses link-local, cloud-metadata, multicast and
 * broadcast addresses always, and loopback or private ranges unless the operator settings allow
 * them.
 *
 * <p>Only literal IP addresses and well-known metadata host names are judged. Host names are
 * deliberately not resolved: reconcile must not block on DNS, and an answer seen by the operator
 * says nothing about what the gateway's resolver will see later.
 */
public final class UpstreamAddressGuard {

  /** Host names of cloud instance-metadata services (GCP, generic, AWS, Azure, Oracle, Alibaba). */
  private static final Set<String> METADATA_HOSTS =
      Set.of(
          "metadata.google.internal",
          "metadata.goog",
          "metadata",
          "instance-data",
          "instance-data.ec2.internal",
          "metadata.azure.internal");

  /** Metadata addresses outside 169.254.0.0/16: AWS IPv6 IMDS and Alibaba Cloud. */
  private static final Set<String> METADATA_ADDRESSES = Set.of("fd00:ec2:0:0:0:0:0:254");

  /** The first 96 bits of the NAT64 well-known prefix 64:ff9b::/96 (RFC 6052). */
  private static final byte[] NAT64_PREFIX = {
    0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0
  };

  /** The first 48 bits of the local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215). */
  private static final byte[] LOCAL_NAT64_PREFIX = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 1};

  /**
   * Where RFC 6052 puts the IPv4 address's four bytes for each prefix length a network may carve
   * out of 64:ff9b:1::/48 (48, 56, 64, 96): byte 8 (bits 64-71) is never used.
   */
  private static final int[][] RFC6052_POSITIONS = {
    {6, 7, 9, 10}, {7, 9, 10, 11}, {9, 10, 11, 12}, {12, 13, 14, 15}
  };

  private static final String ALIBABA_METADATA = "100.100.100.200";

  private static final Pattern DOTTED_QUAD = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

  /**
   * Numeric host forms that some resolvers read as IPv4 ({@code 2852039166}, {@code 0xa9fea9fe},
   * {@code 0251.0376.0251.0376}, {@code 169.254.43518}); they are refused outright because what
   * they mean depends on the client library.
   */
  private static final Pattern AMBIGUOUS_NUMERIC =
      Pattern.compile("^(0x[0-9a-f]+|[0-9]+)(\\.(0x[0-9a-f]+|[0-9]+)){0,3}$");

  private final boolean allowLoopback;
  private final boolean allowPrivate;

  public UpstreamAddressGuard(boolean allowLoopback, boolean allowPrivate) {
    this.allowLoopback = allowLoopback;
    this.allowPrivate = allowPrivate;
  }

  /** A problem when {@code baseUrl} must not be used as an upstream, empty when it may. */
  public Optional<Problem> check(String baseUrl) {
    String host;
    try {
      host = new URI(baseUrl).getHost();
    } catch (URISyntaxException e) {
      return Optional.of(
          new Problem(
              Reason.INVALID_BASE_URL,
              "baseUrl '" + UrlRedaction.shown(baseUrl) + "' is not a valid URL"));
    }
    if (host == null || host.isBlank()) {
      return Optional.of(
          new Problem(
              Reason.INVALID_BASE_URL,
              "baseUrl '" + UrlRedaction.shown(baseUrl) + "' has no host name"));
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (METADATA_HOSTS.contains(host)) {
      return refuse(host, "a cloud instance-metadata service");
    }
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return allowLoopback ? Optional.empty() : refuseLoopback(host);
    }
    boolean ipv6Literal = host.contains(":");
    boolean ipv4Literal = DOTTED_QUAD.matcher(host).matches() && !hasLeadingZeroOctet(host);
    if (!ipv6Literal && !ipv4Literal) {
      if (AMBIGUOUS_NUMERIC.matcher(host).matches()) {
        return Optional.of(
            new Problem(
                Reason.UPSTREAM_ADDRESS_NOT_ALLOWED,
                "baseUrl host '"
                    + host
                    + "' is a numeric address in a non-standard form; write the address as a"
                    + " dotted quad or use a host name"));
      }
      return Optional.empty();
    }
    InetAddress address;
    try {
      // A literal address: getByName parses it without any DNS lookup.
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return Optional.of(
          new Problem(
              Reason.INVALID_BASE_URL, "baseUrl host '" + host + "' is not a valid IP address"));
    }
    return checkAddress(host, address);
  }

  /** {@code 0177.0.0.1}: octal to some resolvers (127.0.0.1), decimal to Java (177.0.0.1). */
  private static boolean hasLeadingZeroOctet(String host) {
    for (String octet : host.split("\\.")) {
      if (octet.length() > 1 && octet.startsWith("0")) {
        return true;
      }
    }
    return false;
  }

  private Optional<Problem> checkAddress(String host, InetAddress address) {
    List<Inet4Address> embedded = embeddedIpv4(address);
    if (!embedded.isEmpty()) {
      // ::a.b.c.d, 64:ff9b::a.b.c.d, 64:ff9b:1:…, 2002:aabb:ccdd:: and Teredo's 2001:0:… reach
      // IPv4 addresses: judged as each of them (Teredo's server and client; every position that
      // is possible where the position is ambiguous).
      // (::ffff:a.b.c.d needs no rule: InetAddress already reads it as the IPv4 address.)
      for (Inet4Address ipv4 : embedded) {
        Optional<Problem> problem = checkAddress(host, ipv4);
        if (problem.isPresent()) {
          return problem;
        }
      }
      return Optional.empty();
    }
    if (address.isLinkLocalAddress()) {
      return refuse(host, "a link-local address (169.254.0.0/16 or fe80::/10)");
    }
    if (address.getHostAddress().equals(ALIBABA_METADATA)
        || METADATA_ADDRESSES.contains(address.getHostAddress())) {
      return refuse(host, "a cloud instance-metadata address");
    }
    if (address.isMulticastAddress()) {
      return refuse(host, "a multicast address");
    }
    if (isLimitedBroadcast(address)) {
      // Also what a Teredo address whose client bits are all zero decodes to.
      return refuse(host, "the broadcast address (255.255.255.255)");
    }
    if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
      return allowLoopback ? Optional.empty() : refuseLoopback(host);
    }
    if (isPrivate(address) && !allowPrivate) {
      return Optional.of(
          new Problem(
              Reason.UPSTREAM_ADDRESS_NOT_ALLOWED,
              "baseUrl host '"
                  + host
                  + "' is a private address; set SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS=true on the"
                  + " operator if in-cluster models are meant to be reached this way"));
    }
    return Optional.empty();
  }

  /**
   * The IPv4 addresses an IPv6 address reaches: the one inside an IPv4-compatible ({@code ::/96},
   * but not {@code ::} or {@code ::1}), NAT64 ({@code 64:ff9b::/96}, RFC 6052) or 6to4 ({@code
   * 2002:aabb:ccdd::/48} reaches aa.bb.cc.dd, RFC 3056) address; both inside a Teredo address
   * ({@code 2001:0::/32}, RFC 4380: the server's in bits 32-63, the client's in the last 32 bits
   * with every bit inverted); for the local-use NAT64 prefix ({@code 64:ff9b:1::/48}, RFC 8215) the
   * network chooses the prefix length, so every position RFC 6052 allows whose unused bits are zero
   * (0.0.0.0, which no translator forwards to, is left out). Empty for any other address.
   */
  private static List<Inet4Address> embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)
        || address.isLoopbackAddress()
        || address.isAnyLocalAddress()) {
      return List.of();
    }
    byte[] bytes = address.getAddress();
    byte[] prefix = Arrays.copyOf(bytes, 12);
    if (Arrays.equals(prefix, new byte[12]) || Arrays.equals(prefix, NAT64_PREFIX)) {
      return List.of(ipv4(bytes, 12, 13, 14, 15));
    }
    if (bytes[0] == 0x20 && bytes[1] == 0x02) {
      return List.of(ipv4(bytes, 2, 3, 4, 5));
    }
    if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0) {
      // Teredo: the server's address as written, the client's (where the packets finally go)
      // with every bit flipped.
      byte[] client = new byte[4];
      for (int i = 0; i < 4; i++) {
        client[i] = (byte) ~bytes[12 + i];
      }
      return List.of(ipv4(bytes, 4, 5, 6, 7), ipv4(client, 0, 1, 2, 3));
    }
    if (Arrays.equals(Arrays.copyOf(bytes, 6), LOCAL_NAT64_PREFIX)) {
      List<Inet4Address> candidates = new ArrayList<>();
      for (int[] at : RFC6052_POSITIONS) {
        if (unusedBytesAreZero(bytes, at)) {
          Inet4Address ipv4 = ipv4(bytes, at);
          if (!ipv4.isAnyLocalAddress()) {
            candidates.add(ipv4);
          }
        }
      }
      return candidates;
    }
    return List.of();
  }

  /** Whether byte 8 (the RFC 6052 "u" octet) and every byte after the IPv4 address are zero. */
  private static boolean unusedBytesAreZero(byte[] bytes, int[] at) {
    int last = at[3];
    if (last < 12 && bytes[8] != 0) {
      return false;
    }
    for (int i = last + 1; i < 16; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static Inet4Address ipv4(byte[] bytes, int... at) {
    byte[] four = {bytes[at[0]], bytes[at[1]], bytes[at[2]], bytes[at[3]]};
    try {
      return (Inet4Address) InetAddress.getByAddress(four);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are an IPv4 address", e);
    }
  }

  /** 255.255.255.255: every host on the local network, never a provider's API. */
  private static boolean isLimitedBroadcast(InetAddress address) {
    if (!(address instanceof Inet4Address)) {
      return false;
    }
    for (byte b : address.getAddress()) {
      if (b != (byte) 0xff) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrivate(InetAddress address) {
    if (address.isSiteLocalAddress()) {
      return true; // 10/8, 172.16/12, 192.168/16
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      // 100.64.0.0/10: carrier-grade NAT, used for pod and service ranges by some clusters.
      // 240.0.0.0/4: reserved, never routed on the internet; GKE may number pods from it.
      return ((bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64) || (bytes[0] & 0xf0) == 0xf0;
    }
    if (address instanceof Inet6Address) {
      return (bytes[0] & 0xfe) == 0xfc; // fc00::/7 unique local addresses
    }
    return false;
  }

  private static Optional<Problem> refuse(String host, String what) {
    return Optional.of(
        new Problem(
            Reason.UPSTREAM_ADDRESS_NOT_ALLOWED,
            "baseUrl host '"
                + host
                + "' is "
                + what
                + " and is never allowed as an upstream (SSRF protection); point baseUrl at the"
                + " provider's API"));
  }

  private static Optional<Problem> refuseLoopback(String host) {
    return Optional.of(
        new Problem(
            Reason.UPSTREAM_ADDRESS_NOT_ALLOWED,
            "baseUrl host '"
                + host
                + "' is a loopback address; set SWITCHBOARD_ALLOW_LOOPBACK_UPSTREAMS=true on the"
                + " operator for local development"));
  }
}
