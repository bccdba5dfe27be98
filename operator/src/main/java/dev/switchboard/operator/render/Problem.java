package dev.switchboard.operator.render;

/**
 * Something wrong with a resource or its references: a CamelCase {@code reason} for conditions and
 * events, and a {@code message} that says what to fix. Messages never contain secret values.
 */
public record Problem(String reason, String message) {}
