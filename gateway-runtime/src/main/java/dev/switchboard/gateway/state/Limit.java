package dev.switchboard.gateway.state;

/**
 * One per-minute rate limit of a consumer: requests taken at admission, tokens charged after the
 * answer (admitted while the token bucket is not negative). A zero field is no limit.
 */
public record Limit(long requestsPerMinute, long tokensPerMinute) {}
