package dev.switchboard.gateway.upstream.adapter;

import java.util.List;

/**
 * What a JSON answer's first choice says: its text, its refusal and its tool calls. Read on demand
 * ({@link UpstreamAdapter#decodeReplyContent}) by whoever needs to re-shape the answer; the
 * pass-through never reads it.
 *
 * @param text the first choice's {@code message.content}, or null (a tool-call-only answer)
 * @param refusal the first choice's {@code message.refusal}, or null
 * @param toolCalls the first choice's {@code message.tool_calls}, in order; empty when none
 */
public record ReplyContent(String text, String refusal, List<ToolCall> toolCalls) {

  public ReplyContent {
    toolCalls = List.copyOf(toolCalls);
  }
}
