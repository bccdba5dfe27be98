package dev.switchboard.gateway.cache;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * all-MiniLM-L6-v2 (quantised ONNX, shipped inside its jar: nothing is downloaded at run time), run
 * in process by ONNX Runtime through LangChain4j. 384 dimensions; loaded once on first use.
 */
public final class MiniLmEmbedder implements Embedder {

  private static final class Holder {
    static final AllMiniLmL6V2QuantizedEmbeddingModel MODEL =
        new AllMiniLmL6V2QuantizedEmbeddingModel();
  }

  @Override
  public float[] embed(String text) {
    return VectorMath.normalise(Holder.MODEL.embed(text).content().vector());
  }

  @Override
  public int dimensions() {
    return 384;
  }
}
