package dev.switchboard.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PerRecordCacheTest {

  record Rec(String name) {}

  @Test
  void derivesOncePerRecordObjectNotPerEqualRecord() {
    PerRecordCache<Rec, String> cache = new PerRecordCache<>(16);
    AtomicInteger derivations = new AtomicInteger();
    Rec a = new Rec("a");
    Rec equalToA = new Rec("a");

    assertThat(cache.get(a, r -> r.name() + derivations.incrementAndGet())).isEqualTo("a1");
    assertThat(cache.get(a, r -> r.name() + derivations.incrementAndGet())).isEqualTo("a1");
    // A reload brings new (equal) records; they are derived afresh.
    assertThat(cache.get(equalToA, r -> r.name() + derivations.incrementAndGet())).isEqualTo("a2");
    assertThat(derivations).hasValue(2);
  }

  @Test
  void startsEmptyAgainAtItsLimitAndOnClear() {
    PerRecordCache<Rec, String> cache = new PerRecordCache<>(2);
    Rec a = new Rec("a");
    Rec b = new Rec("b");
    cache.put(a, "A");
    cache.put(b, "B");
    cache.put(new Rec("c"), "C");

    assertThat(cache.get(a)).isNull();
    assertThat(cache.get(b)).isNull();

    cache.put(a, "A");
    cache.clear();
    assertThat(cache.get(a)).isNull();
  }
}
