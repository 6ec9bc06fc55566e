package io.gcgserve.server.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AccessLogOptionsTest {

  @Test
  void aDashIsStandardOutputAndAnythingElseAFile() {
    AccessLogOptions stdout = AccessLogOptions.forTarget("-");
    AccessLogOptions file = AccessLogOptions.forTarget("logs/access.jsonl");

    assertThat(stdout.writesToStandardOutput()).isTrue();
    assertThat(stdout.describeTarget()).isEqualTo("-");
    assertThat(file.file()).isEqualTo(Path.of("logs/access.jsonl"));
    assertThat(file.queueCapacity()).isEqualTo(AccessLogOptions.DEFAULT_QUEUE_CAPACITY);
    assertThat(file.rotates()).isFalse();
  }

  @Test
  void rotationInMebibytes() {
    AccessLogOptions options =
        AccessLogOptions.appendingTo(Path.of("a.log")).withRotationMib(100, 5);

    assertThat(options.rotateBytes()).isEqualTo(100L * 1024 * 1024);
    assertThat(options.keepFiles()).isEqualTo(5);
    assertThat(options.rotates()).isTrue();
  }

  @Test
  void refusesValuesThatCannotWork() {
    AccessLogOptions file = AccessLogOptions.appendingTo(Path.of("a.log"));

    assertThatThrownBy(() -> AccessLogOptions.forTarget(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> file.withQueueCapacity(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> file.withRotation(0, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> file.withRotation(1024, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccessLogOptions.standardOutput().withRotation(1024, 2))
        .hasMessageContaining("standard output");
  }
}
