package dev.switchboard.gateway.cache;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * all-MiniLM-L6-v2 (quantised ONNX, shipped inside LangChain4j's model jar: nothing is downloaded
 * at run time), run in process by ONNX Runtime with DJL's HuggingFace tokenizer. 384 dimensions,
 * mean pooling over the tokens (as LangChain4j's embedding model computes it), unit length; loaded
 * once on first use.
 *
 * <p>Session tuned for a shared gateway pod: one intra-op thread per call and no spinning (the
 * cache's own worker pool runs calls in parallel; ONNX Runtime's default spins a thread per core
 * waiting for work, which on a busy node burns the cores the event loops need), graph optimisations
 * on. The text is tokenised once. Texts longer than {@link #MAX_TOKENS} tokens are not embedded
 * (null): truncating them would make two long texts with the same opening look identical, so they
 * are left to the exact cache.
 */
public final class MiniLmEmbedder implements Embedder {

  /** Longest text embedded, in tokens (without the two special tokens). */
  public static final int MAX_TOKENS = 256;

  private static final String MODEL = "/all-minilm-l6-v2-q.onnx";
  private static final String TOKENIZER = "/all-minilm-l6-v2-q-tokenizer.json";

  private static final class Holder {
    static final Loaded LOADED = Loaded.load();
  }

  private record Loaded(
      OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer, boolean typeIds) {
    static Loaded load() {
      try (InputStream model = MiniLmEmbedder.class.getResourceAsStream(MODEL);
          InputStream tokenizer = MiniLmEmbedder.class.getResourceAsStream(TOKENIZER)) {
        if (model == null || tokenizer == null) {
          throw new IllegalStateException("the all-MiniLM-L6-v2 model is missing from the jar");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.addConfigEntry("session.inter_op.allow_spinning", "0");
        OrtSession session = env.createSession(model.readAllBytes(), options);
        HuggingFaceTokenizer tok =
            HuggingFaceTokenizer.newInstance(
                tokenizer, Map.of("padding", "false", "truncation", "false"));
        return new Loaded(env, session, tok, session.getInputNames().contains("token_type_ids"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime could not load all-MiniLM-L6-v2", e);
      }
    }
  }

  @Override
  public String id() {
    return CacheSettings.BUILTIN_MINILM;
  }

  /** Embeds on one of {@code workers} (ONNX Runtime blocks its thread for the model's run). */
  @Override
  public CompletionStage<Embedding> embed(String text, String requestId, Executor workers) {
    CompletableFuture<Embedding> result = new CompletableFuture<>();
    workers.execute(
        () -> {
          try {
            result.complete(new Embedding(embed(text), null));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  /**
   * The L2-normalised embedding of {@code text}, or null when it is longer than {@link
   * #MAX_TOKENS}. Blocking: call it off the event loop.
   */
  public float[] embed(String text) {
    Loaded m = Holder.LOADED;
    Encoding encoding = m.tokenizer().encode(text);
    long[] ids = encoding.getIds();
    if (ids.length > MAX_TOKENS + 2) {
      return null;
    }
    long[] shape = {1, ids.length};
    Map<String, OnnxTensor> inputs = new HashMap<>(4);
    try (OnnxTensor idTensor = OnnxTensor.createTensor(m.env(), LongBuffer.wrap(ids), shape);
        OnnxTensor mask =
            OnnxTensor.createTensor(m.env(), LongBuffer.wrap(encoding.getAttentionMask()), shape);
        OnnxTensor types =
            OnnxTensor.createTensor(m.env(), LongBuffer.wrap(encoding.getTypeIds()), shape)) {
      inputs.put("input_ids", idTensor);
      inputs.put("attention_mask", mask);
      if (m.typeIds()) {
        inputs.put("token_type_ids", types);
      }
      try (OrtSession.Result result = m.session().run(inputs)) {
        float[][] tokens = ((float[][][]) result.get(0).getValue())[0];
        float[] mean = new float[tokens[0].length];
        for (float[] token : tokens) {
          for (int i = 0; i < mean.length; i++) {
            mean[i] += token[i];
          }
        }
        return VectorMath.normalise(mean); // the mean's scale goes with the normalisation
      }
    } catch (OrtException e) {
      throw new IllegalStateException("embedding failed", e);
    }
  }

  /** The vector length. */
  public int dimensions() {
    return 384;
  }
}
