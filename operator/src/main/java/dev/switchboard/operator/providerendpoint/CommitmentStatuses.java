package dev.switchboard.operator.providerendpoint;

import dev.switchboard.api.v1alpha1.CommitmentStatus;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.operator.runtime.CommitmentSource;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.Reason;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A ProviderEndpoint's {@code status.commitments} and {@code CommitmentExhausted} condition from
 * what the gateways report: each commitment of the spec (the endpoint's first, then its models')
 * that the gateways enforce, with this month's use and its use projected linearly to the month's
 * end on the operator's clock. A row whose use did not change keeps its figures and {@code
 * observedAt}, so a quiet endpoint writes no status.
 */
public final class CommitmentStatuses {

  /** The condition type: informational, True while a commitment is used up this month. */
  public static final String COMMITMENT_EXHAUSTED = "CommitmentExhausted";

  private final Clock clock;

  public CommitmentStatuses(Clock clock) {
    this.clock = clock;
  }

  /** The rows and condition; {@link #condition} is empty when there is nothing to say. */
  public record Result(List<CommitmentStatus> rows, Optional<Conditions.Desired> condition) {}

  /**
   * @param reported what the gateways report for this endpoint (empty list: nothing)
   * @param previous the rows in status now (null: none)
   */
  public Result of(
      ProviderEndpointSpec spec,
      List<CommitmentSource.Used> reported,
      List<CommitmentStatus> previous) {
    Set<String> declared = new HashSet<>();
    if (spec != null && spec.getCommitment() != null) {
      declared.add("");
    }
    if (spec != null && spec.getModels() != null) {
      for (ProviderModel m : spec.getModels()) {
        if (m.getPricing() != null && m.getPricing().getCommitment() != null) {
          declared.add(m.getName());
        }
      }
    }
    if (declared.isEmpty()) {
      return new Result(null, Optional.empty());
    }
    Instant now = clock.instant();
    List<CommitmentStatus> rows = new ArrayList<>();
    List<String> usedUp = new ArrayList<>();
    List<CommitmentSource.Used> ordered = new ArrayList<>(reported);
    // The endpoint's own first, then the models' by name.
    ordered.sort(
        java.util.Comparator.comparing(
            (CommitmentSource.Used u) -> u.model() == null ? "" : "m" + u.model()));
    for (CommitmentSource.Used u : ordered) {
      if (!declared.contains(u.model() == null ? "" : u.model())) {
        // The gateways still run an older table: say nothing the spec does not ask for.
        continue;
      }
      CommitmentStatus row = new CommitmentStatus();
      row.setModel(u.model());
      row.setUnit(u.unit());
      row.setAmount(u.amount());
      row.setUsed(round(u.used()));
      row.setMonth(u.month());
      CommitmentStatus before = same(previous, row);
      if (before != null) {
        row = before;
      } else {
        row.setProjectedMonthEnd(round(projectMonthEnd(u.used(), u.month(), now)));
        row.setObservedAt(
            DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS)));
      }
      rows.add(row);
      if (u.used() >= u.amount()) {
        usedUp.add(describe(u));
      }
    }
    if (rows.isEmpty()) {
      return new Result(null, Optional.empty());
    }
    Conditions.Desired condition =
        usedUp.isEmpty()
            ? new Conditions.Desired(
                COMMITMENT_EXHAUSTED,
                false,
                Reason.COMMITMENTS_HAVE_ROOM.wireName(),
                "every prepaid commitment has room this month; least-cost and cost-latency treat"
                    + " it as free capacity")
            : new Conditions.Desired(
                COMMITMENT_EXHAUSTED,
                true,
                Reason.COMMITMENT_USED_UP.wireName(),
                String.join("; ", usedUp)
                    + ": list prices apply until the month ends or the commitment is raised");
    return new Result(rows, Optional.of(condition));
  }

  private static String describe(CommitmentSource.Used u) {
    String what =
        u.model() == null ? "the endpoint's commitment" : "model " + u.model() + "'s commitment";
    String size =
        "tokens".equals(u.unit())
            ? String.format(Locale.ROOT, "%,.0f tokens", u.amount())
            : String.format(Locale.ROOT, "%.2f of spend", u.amount());
    return what + " (" + size + ") is used up for " + u.month();
  }

  /** The previous row when it says the same (same month, size and use); else null. */
  private static CommitmentStatus same(List<CommitmentStatus> previous, CommitmentStatus row) {
    if (previous == null) {
      return null;
    }
    for (CommitmentStatus p : previous) {
      if (Objects.equals(p.getModel(), row.getModel())
          && Objects.equals(p.getUnit(), row.getUnit())
          && Objects.equals(p.getAmount(), row.getAmount())
          && Objects.equals(p.getUsed(), row.getUsed())
          && Objects.equals(p.getMonth(), row.getMonth())
          && p.getObservedAt() != null
          && p.getProjectedMonthEnd() != null) {
        return p;
      }
    }
    return null;
  }

  /**
   * {@code used} in {@code month} so far, extrapolated linearly to its end at {@code now} (at least
   * one minute counted, so the first minutes do not explode); once the month is over, its use.
   */
  static double projectMonthEnd(double used, String month, Instant now) {
    YearMonth ym = YearMonth.parse(month);
    long start = ym.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long end = ym.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long at = now.toEpochMilli();
    if (at >= end) {
      return used;
    }
    long elapsed = Math.max(60_000, at - start);
    return used * (double) (end - start) / elapsed;
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
