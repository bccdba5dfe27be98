package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A client's request object that remembers the bytes it was parsed from, so that an adapter passing
 * the request through to a provider of the same format can forward those bytes (with only {@code
 * model} replaced) instead of a re-serialization: prompt-cache prefixes and signed thinking blocks
 * depend on the exact bytes. A front door makes one after parsing; stages must not change a request
 * kept this way (they change the internal form, {@code Exchange.chat()}).
 */
public final class SourcedObjectNode extends ObjectNode {

  private static final long serialVersionUID = 1L;

  private final transient byte[] source;

  /** The fields of {@code parsed} (shallowly) and the bytes it was parsed from. */
  public SourcedObjectNode(ObjectNode parsed, byte[] source) {
    super(JsonNodeFactory.instance);
    setAll(parsed);
    this.source = source;
  }

  /** The bytes the client sent. */
  public byte[] source() {
    return source;
  }
}
