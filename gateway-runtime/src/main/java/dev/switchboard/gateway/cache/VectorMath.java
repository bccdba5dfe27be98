package dev.switchboard.gateway.cache;

/** The few vector operations the semantic cache needs, on plain float arrays. */
final class VectorMath {

  private VectorMath() {}

  /** {@code v} scaled to unit length (in place); a zero vector stays zero. */
  static float[] normalise(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (sum > 0) {
      float scale = (float) (1 / Math.sqrt(sum));
      for (int i = 0; i < v.length; i++) {
        v[i] *= scale;
      }
    }
    return v;
  }

  /**
   * The dot product of {@code q} with the row of {@code matrix} starting at {@code offset}: the
   * cosine similarity of unit vectors. Four accumulators let the CPU overlap the multiplications.
   */
  static float dot(float[] q, float[] matrix, int offset) {
    int n = q.length;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += q[i] * matrix[offset + i];
      s1 += q[i + 1] * matrix[offset + i + 1];
      s2 += q[i + 2] * matrix[offset + i + 2];
      s3 += q[i + 3] * matrix[offset + i + 3];
    }
    for (; i < n; i++) {
      s0 += q[i] * matrix[offset + i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
