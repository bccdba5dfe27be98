package dev.switchboard.bench;

/**
 * What a streaming run produced. A stream is complete when it answered 200 and delivered at least
 * the expected number of SSE events; a stall is a gap between two events longer than the run's
 * stall threshold.
 *
 * @param target the target's name
 * @param streams streams started
 * @param complete streams that delivered every expected event
 * @param stalledStreams complete or not, streams that had at least one stall
 * @param ttft time from sending the request to the first SSE event, per stream
 * @param gaps time between consecutive SSE events, all streams
 * @param totals time from sending the request to the end of the stream, per complete stream
 * @param firstError a description of the first failure, or null
 */
public record StreamResult(
    String target,
    long streams,
    long complete,
    long stalledStreams,
    LatencySamples ttft,
    LatencySamples gaps,
    LatencySamples totals,
    String firstError) {}
