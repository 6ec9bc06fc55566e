package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentLogTest {

  @TempDir Path directory;

  private ExperimentLog select(LogLines lines, String control) throws Exception {
    LogReading reading = AccessLogReader.read(lines.write(directory.resolve("a.jsonl")), n -> {});
    return ExperimentLog.select(reading, null, control);
  }

  @Test
  void theControlIsTheFilesFirstArmWhateverArrivedFirst() throws Exception {
    LogLines lines =
        new LogLines()
            .indexed("e", "treatment", 1, 100)
            .indexed("e", "other", 2, 100)
            .indexed("e", "control", 0, 100)
            .indexed("e", "treatment", 1, 100);
    ExperimentLog log = select(lines, null);
    assertThat(log.control()).isEqualTo("control");
    assertThat(log.controlReason()).contains("first arm in the experiments file");
    assertThat(log.arms())
        .extracting(ArmSample::name)
        .containsExactly("control", "treatment", "other");
    assertThat(select(lines, "other").control()).isEqualTo("other");
  }

  @Test
  void linesWithoutAnIndexFallBackToFirstAppearance() throws Exception {
    LogLines lines = new LogLines().add("e", "b", 0.5, "OK", 100).add("e", "a", 0.5, "OK", 100);
    ExperimentLog log = select(lines, null);
    assertThat(log.control()).isEqualTo("b");
    assertThat(log.controlReason()).contains("carry no arm_index");
  }
}
