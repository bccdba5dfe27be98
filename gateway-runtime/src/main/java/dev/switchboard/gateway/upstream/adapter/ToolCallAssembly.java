package dev.switchboard.gateway.upstream.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts a streamed answer's tool calls back together from their {@link ToolCallDelta fragments}: per
 * call {@link ToolCallDelta#index() index}, the first id, type, name and thought signature seen,
 * and the arguments fragments concatenated in stream order. For a front door that has to announce
 * complete calls (the Responses API's {@code function_call_arguments.done}); one per stream,
 * confined to the thread that relays it.
 */
public final class ToolCallAssembly {

  private final Map<Integer, Call> calls = new TreeMap<>();

  private static final class Call {
    String id;
    String type;
    String name;
    String thoughtSignature;
    final StringBuilder arguments = new StringBuilder();
  }

  /** Adds one event's fragments ({@link StreamEventFacts#toolCallDeltas()}). */
  public void add(List<ToolCallDelta> deltas) {
    for (ToolCallDelta delta : deltas) {
      Call call = calls.computeIfAbsent(delta.index(), index -> new Call());
      // Some servers repeat id and name on every fragment: the first one stands.
      call.id = call.id == null ? delta.id() : call.id;
      call.type = call.type == null ? delta.type() : call.type;
      call.name = call.name == null ? delta.name() : call.name;
      call.thoughtSignature =
          call.thoughtSignature == null ? delta.thoughtSignature() : call.thoughtSignature;
      if (delta.arguments() != null) {
        call.arguments.append(delta.arguments());
      }
    }
  }

  /** Whether any fragment arrived. */
  public boolean isEmpty() {
    return calls.isEmpty();
  }

  /** The calls so far, by index; arguments are what arrived (complete once the stream finished). */
  public List<ToolCall> calls() {
    List<ToolCall> out = new ArrayList<>(calls.size());
    for (Call call : calls.values()) {
      out.add(
          new ToolCall(
              call.id, call.type, call.name, call.arguments.toString(), call.thoughtSignature));
    }
    return List.copyOf(out);
  }
}
