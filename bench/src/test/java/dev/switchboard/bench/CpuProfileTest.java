package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuProfileTest {

  /** Stacks as async-profiler writes them with {@code -t -o collapsed} (shortened). */
  private static final List<String> STACKS =
      List.of(
          // The answer's write: Switchboard's answer stage, then the kernel under writev.
          "[vert.x-eventloop-thread-0 tid=11];java/lang/Thread.run;"
              + "dev/switchboard/gateway/pipeline/AnswerStage.answerJson;"
              + "io/vertx/core/http/impl/Http1xServerResponse.end;writev;"
              + "entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k];tcp_sendmsg_[k] 30",
          // The same stage in user space.
          "[vert.x-eventloop-thread-1 tid=12];java/lang/Thread.run;"
              + "dev/switchboard/gateway/pipeline/AnswerStage.answerJson;"
              + "io/vertx/core/http/HttpHeaders.set 10",
          // A lambda of the request log on the event loop: its part wins over the stage around it.
          "[vert.x-eventloop-thread-0 tid=11];java/lang/Thread.run;"
              + "dev/switchboard/gateway/pipeline/AccountStage.record;"
              + "dev/switchboard/gateway/logging/RequestLogWriter$$Lambda$77.0x00007f00.apply;"
              + "com/fasterxml/jackson/core/json/WriterBasedJsonGenerator.writeString 5",
          // The log writer's write of a batch.
          "[switchboard-request-log tid=20];java/lang/Thread.run;"
              + "dev/switchboard/gateway/logging/RequestLineAppender.flush;__GI_write;"
              + "entry_SYSCALL_64_after_hwframe_[k];ext4_file_write_iter_[k] 20",
          // Netty reading with no Switchboard frame; an interrupt taken in user code.
          "[vert.x-eventloop-thread-1 tid=12];java/lang/Thread.run;"
              + "io/netty/channel/epoll/EpollEventLoop.run;"
              + "io/netty/channel/epoll/AbstractEpollStreamChannel.doReadBytes;"
              + "asm_sysvec_reschedule_ipi_[k];irqentry_exit_to_user_mode_[k] 15",
          "[GC Thread#0 tid=5];G1ParScanThreadState::trim_queue 15",
          "[C2 CompilerThread0 tid=6];C2Compiler::compile_method 5");

  @Test
  void attributesEverySampleToItsPartAndSplitsOffTheKernel(@TempDir Path dir) throws Exception {
    Path stacks = dir.resolve("gateway.collapsed");
    Files.write(stacks, STACKS);

    CpuProfile.Split split = CpuProfile.Split.read(stacks);

    assertThat(split.samples()).isEqualTo(100);
    assertThat(split.kernel()).isEqualTo(65);
    assertThat(split.byPart().get("stage AnswerStage")).containsExactly(10, 30);
    assertThat(split.byPart().get("request log (JSON line, appender)")).containsExactly(5, 20);
    assertThat(split.byPart().get("HTTP I/O outside Switchboard code (Netty, Vert.x, JDK)"))
        .containsExactly(0, 15);
    assertThat(split.byPart().get("JVM: garbage collector")).containsExactly(15, 0);
    assertThat(split.byPart().get("JVM: JIT compiler")).containsExactly(5, 0);
    assertThat(split.bySystemCall())
        .containsEntry("writev", 30L)
        .containsEntry("__GI_write", 20L)
        .containsEntry("interrupt or fault (asm_sysvec_reschedule_ipi)", 15L);

    // 100 samples of a 50 µs request: each sample stands for 0.5 µs of it.
    List<String> lines = split.lines(50_000).stream().map(String::trim).toList();
    assertThat(lines.get(0)).startsWith("100 samples, 65 % in the kernel");
    assertThat(lines).contains("5.00  15.00  stage AnswerStage", "15.00  writev");
  }
}
