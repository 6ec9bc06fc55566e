package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogReaderTest {

  @TempDir Path directory;

  @Test
  void malformedLinesAreCountedAndATruncatedLastLineIsNotFatal() throws Exception {
    LogLines lines =
        new LogLines()
            .add("exp", "a", 0.5, "OK", 10) // line 1
            .raw("this is not json") // line 2
            .add("exp", "b", 0.5, "OK", 10) // line 3
            .raw("") // line 4: blank, ignored
            .raw("{\"schema\":1}") // line 5: misses required fields
            .raw("{\"schema\":99,\"request_id\":\"x\"}") // line 6: newer schema
            .add("exp", "a", 0.5, "OK", 10); // line 7
    String complete = new LogLines().add("exp", "b", 0.5, "OK", 10).text();
    String text = lines.text() + complete.substring(0, complete.length() / 2); // no line break
    Path log = directory.resolve("access.log");
    Files.writeString(log, text, StandardCharsets.UTF_8);

    LogReading reading = AccessLogReader.read(log, count -> {});

    assertThat(reading.lines()).isEqualTo(8);
    assertThat(reading.entries()).hasSize(3);
    assertThat(reading.malformed()).isEqualTo(3);
    assertThat(reading.malformedExamples()).containsOnlyKeys(2L, 5L, 6L);
    assertThat(reading.truncatedLastLine()).isTrue();
  }

  @Test
  void aBrokenLastLineWithALineBreakIsMalformedNotTruncated() throws Exception {
    String text = new LogLines().add("exp", "a", 0.5, "OK", 10).text() + "{\"broken\n";
    Path log = directory.resolve("access.log");
    Files.writeString(log, text, StandardCharsets.UTF_8);

    LogReading reading = AccessLogReader.read(log, count -> {});

    assertThat(reading.entries()).hasSize(1);
    assertThat(reading.malformed()).isEqualTo(1);
    assertThat(reading.malformedExamples()).containsOnlyKeys(2L);
    assertThat(reading.truncatedLastLine()).isFalse();
  }

  @Test
  void anEmptyLogReadsAsNothing() throws Exception {
    Path log = Files.createFile(directory.resolve("empty.log"));
    LogReading reading = AccessLogReader.read(log, count -> {});
    assertThat(reading.lines()).isZero();
    assertThat(reading.entries()).isEmpty();
    assertThat(reading.truncatedLastLine()).isFalse();
  }
}
