package dev.switchboard.operator.rollout;

import dev.switchboard.operator.rollout.metrics.ArmMetrics;
import dev.switchboard.operator.rollout.metrics.CanaryMetricsSource;
import dev.switchboard.operator.rollout.metrics.CanaryQuery;
import dev.switchboard.operator.rollout.metrics.CanaryWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A metrics source whose next window the test sets; records the queries it was asked. */
final class FakeMetricsSource implements CanaryMetricsSource {

  /** A healthy window: both arms alike, plenty of canary requests. */
  static final CanaryWindow HEALTHY =
      new CanaryWindow(arm(200, 0, 0.8, 100, 0), arm(800, 2, 0.8, 100, 0), Duration.ofSeconds(30));

  final List<CanaryQuery> collected = new ArrayList<>();
  final List<CanaryQuery> begun = new ArrayList<>();

  /** The routes ({@code namespace/name}) the planner told the source to forget. */
  final List<String> forgotten = java.util.Collections.synchronizedList(new ArrayList<>());

  /** Classes of the monitors the calling thread held while collecting (none: no lock held). */
  final List<String> monitorsHeldWhileCollecting =
      java.util.Collections.synchronizedList(new ArrayList<>());

  private volatile Optional<CanaryWindow> next = Optional.of(HEALTHY);
  private volatile boolean unavailable;

  static ArmMetrics arm(
      long requests, long errors, double latencyP95, double tokensPerRequest, long refusals) {
    long answered = requests - errors;
    return new ArmMetrics(
        requests, errors, latencyP95, null, answered, tokensPerRequest * answered, refusals);
  }

  void answer(CanaryWindow window) {
    this.next = Optional.of(window);
    this.unavailable = false;
  }

  void answerNothing() {
    this.next = Optional.empty();
    this.unavailable = false;
  }

  void failReading() {
    this.unavailable = true;
  }

  @Override
  public Optional<CanaryWindow> collect(CanaryQuery query) {
    collected.add(query);
    java.lang.management.ThreadInfo thread =
        java.lang.management.ManagementFactory.getThreadMXBean()
            .getThreadInfo(new long[] {Thread.currentThread().getId()}, true, false)[0];
    for (java.lang.management.MonitorInfo monitor : thread.getLockedMonitors()) {
      monitorsHeldWhileCollecting.add(monitor.getClassName());
    }
    if (unavailable) {
      throw new MetricsUnavailableException("no gateway endpoints");
    }
    return next;
  }

  @Override
  public void begin(CanaryQuery query) {
    begun.add(query);
  }

  /** The routes whose checkpoint was put back (their plan's table was not published). */
  final List<String> restored = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public Runnable checkpoint(String namespace, String route) {
    return () -> restored.add(namespace + "/" + route);
  }

  @Override
  public void forget(String namespace, String route) {
    forgotten.add(namespace + "/" + route);
  }
}
