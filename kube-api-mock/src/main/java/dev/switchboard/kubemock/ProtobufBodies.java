package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the protobuf bodies client-go writes Secrets and ConfigMaps with, into the JSON the store
 * keeps. client-go's typed clients send built-in kinds as protobuf ({@code
 * application/vnd.kubernetes.protobuf}): Helm stores every release as a Secret that way, so without
 * this no {@code helm install} or {@code upgrade} could run against the mock. Only these two kinds
 * are read (their {@code metadata} without {@code managedFields}, which the server owns); any other
 * protobuf body is refused as before.
 *
 * <p>The wire format: the four bytes {@code k8s\0}, then a {@code runtime.Unknown} message ({@code
 * typeMeta} = 1 with {@code apiVersion} = 1 and {@code kind} = 2, {@code raw} = 2: the object's own
 * message). Field numbers are those of {@code k8s.io/api/core/v1/generated.proto} and {@code
 * k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto}.
 */
final class ProtobufBodies {

  private static final byte[] MAGIC = {'k', '8', 's', 0};
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();

  private ProtobufBodies() {}

  /** The body as JSON, when it is a protobuf v1 Secret or ConfigMap; empty otherwise. */
  static Optional<String> toJson(byte[] body) {
    if (body.length < MAGIC.length || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, 4)) {
      return Optional.empty();
    }
    try {
      Reader unknown = new Reader(body, MAGIC.length, body.length);
      String apiVersion = null;
      String kind = null;
      byte[] raw = null;
      while (unknown.more()) {
        int field = unknown.tag();
        if (field == 1) {
          Reader typeMeta = unknown.message();
          while (typeMeta.more()) {
            int f = typeMeta.tag();
            if (f == 1) {
              apiVersion = typeMeta.string();
            } else if (f == 2) {
              kind = typeMeta.string();
            } else {
              typeMeta.skip();
            }
          }
        } else if (field == 2) {
          raw = unknown.bytes();
        } else {
          unknown.skip();
        }
      }
      if (!"v1".equals(apiVersion) || raw == null) {
        return Optional.empty();
      }
      Reader object = new Reader(raw, 0, raw.length);
      ObjectNode json =
          switch (kind == null ? "" : kind) {
            case "Secret" -> secret(object);
            case "ConfigMap" -> configMap(object);
            default -> null;
          };
      if (json == null) {
        return Optional.empty();
      }
      ObjectNode withType = NODES.objectNode().put("apiVersion", "v1").put("kind", kind);
      withType.setAll(json);
      return Optional.of(JSON.writeValueAsString(withType));
    } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
      // Truncated or not what it claims to be: refused like any other protobuf body.
      return Optional.empty();
    }
  }

  /** {@code Secret}: metadata 1, data 2, type 3, stringData 4, immutable 5. */
  private static ObjectNode secret(Reader r) {
    ObjectNode secret = NODES.objectNode();
    while (r.more()) {
      switch (r.tag()) {
        case 1 -> secret.set("metadata", objectMeta(r.message()));
        case 2 -> mapEntry(r.message(), secret.with("data"), true);
        case 3 -> secret.put("type", r.string());
        case 4 -> mapEntry(r.message(), secret.with("stringData"), false);
        case 5 -> secret.put("immutable", r.varint() != 0);
        default -> r.skip();
      }
    }
    return secret;
  }

  /** {@code ConfigMap}: metadata 1, data 2, binaryData 3, immutable 4. */
  private static ObjectNode configMap(Reader r) {
    ObjectNode configMap = NODES.objectNode();
    while (r.more()) {
      switch (r.tag()) {
        case 1 -> configMap.set("metadata", objectMeta(r.message()));
        case 2 -> mapEntry(r.message(), configMap.with("data"), false);
        case 3 -> mapEntry(r.message(), configMap.with("binaryData"), true);
        case 4 -> configMap.put("immutable", r.varint() != 0);
        default -> r.skip();
      }
    }
    return configMap;
  }

  /**
   * {@code ObjectMeta}: name 1, generateName 2, namespace 3, uid 5, resourceVersion 6, generation
   * 7, creationTimestamp 8, labels 11, annotations 12, ownerReferences 13, finalizers 14.
   */
  private static ObjectNode objectMeta(Reader r) {
    ObjectNode meta = NODES.objectNode();
    while (r.more()) {
      switch (r.tag()) {
        case 1 -> putUnlessEmpty(meta, "name", r.string());
        case 2 -> putUnlessEmpty(meta, "generateName", r.string());
        case 3 -> putUnlessEmpty(meta, "namespace", r.string());
        case 5 -> putUnlessEmpty(meta, "uid", r.string());
        case 6 -> putUnlessEmpty(meta, "resourceVersion", r.string());
        case 7 -> {
          long generation = r.varint();
          if (generation != 0) {
            meta.put("generation", generation);
          }
        }
        case 8 -> time(r.message()).ifPresent(t -> meta.put("creationTimestamp", t));
        case 11 -> mapEntry(r.message(), meta.with("labels"), false);
        case 12 -> mapEntry(r.message(), meta.with("annotations"), false);
        case 13 -> meta.withArray("ownerReferences").add(ownerReference(r.message()));
        case 14 -> meta.withArray("finalizers").add(r.string());
        default -> r.skip();
      }
    }
    return meta;
  }

  /**
   * Go writes every string field, set or not; an empty one is unset (JSON omits it), and an empty
   * {@code uid} or {@code resourceVersion} must not reach the store as a value.
   */
  private static void putUnlessEmpty(ObjectNode target, String field, String value) {
    if (!value.isEmpty()) {
      target.put(field, value);
    }
  }

  /** {@code OwnerReference}: kind 1, name 3, uid 4, apiVersion 5, controller 6, block… 7. */
  private static ObjectNode ownerReference(Reader r) {
    ObjectNode owner = NODES.objectNode();
    while (r.more()) {
      switch (r.tag()) {
        case 1 -> owner.put("kind", r.string());
        case 3 -> owner.put("name", r.string());
        case 4 -> owner.put("uid", r.string());
        case 5 -> owner.put("apiVersion", r.string());
        case 6 -> owner.put("controller", r.varint() != 0);
        case 7 -> owner.put("blockOwnerDeletion", r.varint() != 0);
        default -> r.skip();
      }
    }
    return owner;
  }

  /** {@code Time}: seconds 1, nanos 2; written as RFC 3339 in whole seconds, as the API does. */
  private static Optional<String> time(Reader r) {
    Long seconds = null;
    while (r.more()) {
      if (r.tag() == 1) {
        seconds = r.varint();
      } else {
        r.skip();
      }
    }
    // An unset time is written as an empty message: no timestamp, not the epoch.
    return seconds == null
        ? Optional.empty()
        : Optional.of(Instant.ofEpochSecond(seconds).truncatedTo(ChronoUnit.SECONDS).toString());
  }

  /** A map entry (key 1, value 2) into {@code target}; bytes values base64 as in JSON. */
  private static void mapEntry(Reader r, ObjectNode target, boolean bytesValue) {
    String key = "";
    String value = "";
    while (r.more()) {
      switch (r.tag()) {
        case 1 -> key = r.string();
        case 2 ->
            value =
                bytesValue
                    ? Base64.getEncoder().encodeToString(r.bytes())
                    : new String(r.bytes(), StandardCharsets.UTF_8);
        default -> r.skip();
      }
    }
    target.put(key, value);
  }

  /** Just enough of the protobuf wire format: varints and length-delimited fields. */
  private static final class Reader {
    private final byte[] buffer;
    private final int end;
    private int position;
    private int wireType;

    Reader(byte[] buffer, int start, int end) {
      this.buffer = buffer;
      this.position = start;
      this.end = end;
    }

    boolean more() {
      return position < end;
    }

    /** The next field's number (its wire type kept for the read that follows). */
    int tag() {
      long tag = varint();
      wireType = (int) (tag & 7);
      return (int) (tag >>> 3);
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (position >= end) {
          throw new IllegalArgumentException("truncated varint");
        }
        byte b = buffer[position++];
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    byte[] bytes() {
      int length = length();
      byte[] out = Arrays.copyOfRange(buffer, position, position + length);
      position += length;
      return out;
    }

    String string() {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    Reader message() {
      int length = length();
      Reader nested = new Reader(buffer, position, position + length);
      position += length;
      return nested;
    }

    void skip() {
      switch (wireType) {
        case 0 -> varint();
        case 1 -> position += 8;
        case 2 -> {
          int length = length(); // read first: it moves position past the length's varint
          position += length;
        }
        case 5 -> position += 4;
        default -> throw new IllegalArgumentException("wire type " + wireType);
      }
      if (position > end) {
        throw new IllegalArgumentException("truncated field");
      }
    }

    private int length() {
      if (wireType != 2) {
        throw new IllegalArgumentException("not a length-delimited field");
      }
      long length = varint();
      if (length < 0 || length > end - position) {
        throw new IllegalArgumentException("truncated field");
      }
      return (int) length;
    }
  }
}
