package dev.switchboard.api.v1alpha1;

/** Regular expressions the CRD schema enforces; constants so annotations can use them. */
final class SchemaPatterns {

  /** A Kubernetes object name (RFC 1123 subdomain). */
  static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A Kubernetes label-like name (RFC 1123 label). */
  static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A key of a Secret's data. */
  static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

  /**
   * An http(s) URL without user-info, query or fragment. The authority may not contain '@', so
   * credentials cannot be smuggled into a URL that ends up in logs and status.
   */
  static final String HTTP_URL =
      "^https?://([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?(/[^\\s?#]*)?$";

  /**
   * A model id as providers spell them: {@code gpt-4o-2024-08-06}, {@code models/gemini-2.5-pro},
   * {@code meta-llama/Llama-3.1-8B-Instruct}, {@code llama3.1:8b}.
   */
  static final String MODEL_ID = "^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$";

  /** One model capability. */
  static final String CAPABILITY = "^(chat|completions|embeddings|tools|vision|json|reasoning)$";

  /** Azure OpenAI {@code api-version}: a dated version, optionally preview, or the v1 API. */
  static final String AZURE_API_VERSION = "^([0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?|v1|preview)$";

  /** An ISO 8601 calendar date. */
  static final String DATE = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

  /** An ISO 4217 currency code. */
  static final String CURRENCY = "^[A-Z]{3}$";

  /** A day of the week, as in schedules. */
  static final String WEEKDAY = "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)$";

  /** A 24-hour clock time, HH:MM. */
  static final String CLOCK_TIME = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

  /** The end of a window: a 24-hour clock time, or {@code 24:00} for the end of the day. */
  static final String CLOCK_TIME_END = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";

  /** An IANA time zone name such as {@code Europe/Berlin} or {@code UTC}. */
  static final String TIME_ZONE = "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$";

  /** A failure class that may be retried. */
  static final String RETRY_ON = "^(rate-limited|server-error|timeout|connect-error)$";

  /** What a rate limit is counted per. */
  static final String RATE_LIMIT_KEY = "^(api-key|route|header:[A-Za-z0-9-]{1,128})$";

  /** A five-field cron expression, or one of the {@code @hourly}-style macros. */
  static final String CRON = "^(@(yearly|annually|monthly|weekly|daily|hourly)|(\\S+\\s+){4}\\S+)$";

  private SchemaPatterns() {}
}
