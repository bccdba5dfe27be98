package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.Operation;

/** {@code POST /v1/embeddings}: never streamed. */
public final class EmbeddingsFrontDoor extends OpenAiFrontDoor {

  public EmbeddingsFrontDoor() {
    super(Operation.EMBEDDINGS);
  }

  @Override
  public boolean wantsStream(ObjectNode request) {
    return false;
  }

  @Override
  public boolean askForUsage(ObjectNode request) {
    return false;
  }
}
