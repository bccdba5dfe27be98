package dev.switchboard.operator.keys;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The operator's own credential for the gateways' admin port: a random token made when the operator
 * starts, held in memory only. Its SHA-256 goes into the consumer table the gateways load (never
 * the token), and every reader of {@code /admin/*} presents the token ({@link #authorize}); a
 * gateway then answers drift checks and admin reads from this operator only, not from whatever else
 * the network policy lets reach the admin port. A restart makes a new one, published with the next
 * consumer table.
 */
public final class OperatorCredential {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String token;
  private final String sha256;

  private OperatorCredential(String token) {
    this.token = token;
    try {
      this.sha256 =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** A new random credential (256 bits). */
  public static OperatorCredential generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return new OperatorCredential(
        "sbop-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /** The token, for the {@code Authorization: Bearer} header of the operator's own requests. */
  public String token() {
    return token;
  }

  /**
   * {@code request} bearing this credential ({@code Authorization: Bearer}), as every request of
   * the operator to a gateway's {@code /admin/*} must; {@code /metrics} needs none.
   */
  public HttpRequest.Builder authorize(HttpRequest.Builder request) {
    return request.header("authorization", "Bearer " + token);
  }

  /** Hex SHA-256 of the token, as the consumer table carries it. */
  public String sha256() {
    return sha256;
  }

  @Override
  public String toString() {
    return "OperatorCredential[***]";
  }
}
