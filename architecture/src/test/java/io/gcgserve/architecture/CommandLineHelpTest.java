package io.gcgserve.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import io.gcgserve.client.CaptionCli;
import io.gcgserve.eval.cli.EvalCommand;
import io.gcgserve.loadtest.LoadTestCommand;
import io.gcgserve.model.data.DataCommand;
import io.gcgserve.model.train.TrainCommand;
import io.gcgserve.reliability.ReliabilityCommand;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command-line tool's help renders as written. picocli formats each line of a command's,
 * option's or parameter's description with {@link String#format}; a lone {@code %} (say "95%
 * intervals") makes it print a warning with every {@code --help} and fall back to the raw text.
 * Write {@code %%}.
 */
class CommandLineHelpTest {

  /** The description lines of every picocli annotation in production code, with where each is. */
  static List<String[]> descriptions() {
    List<String[]> lines = new ArrayList<>();
    for (JavaClass javaClass : ProductionClasses.all()) {
      Class<?> type = javaClass.reflect();
      add(lines, type.getName(), type);
      for (Field field : type.getDeclaredFields()) {
        add(lines, type.getName() + "." + field.getName(), field);
      }
      for (Method method : type.getDeclaredMethods()) {
        add(lines, type.getName() + "." + method.getName() + "()", method);
      }
    }
    return lines;
  }

  private static void add(List<String[]> lines, String where, AnnotatedElement element) {
    CommandLine.Command command = element.getAnnotation(CommandLine.Command.class);
    CommandLine.Option option = element.getAnnotation(CommandLine.Option.class);
    CommandLine.Parameters parameters = element.getAnnotation(CommandLine.Parameters.class);
    Stream.of(
            command == null ? new String[0] : command.description(),
            command == null ? new String[0] : command.header(),
            command == null ? new String[0] : command.footer(),
            option == null ? new String[0] : option.description(),
            parameters == null ? new String[0] : parameters.description())
        .flatMap(Stream::of)
        .forEach(line -> lines.add(new String[] {where, line}));
  }

  /** The line's formatting error, or empty when picocli can format it. */
  @SuppressWarnings("ReturnValueIgnored") // formatting it is the check; the text is not needed
  static Optional<String> formatError(String line) {
    try {
      String.format(Locale.ROOT, line);
      return Optional.empty();
    } catch (IllegalFormatException e) {
      return Optional.of(e.getClass().getSimpleName() + " (" + e.getMessage() + ")");
    }
  }

  @Test
  void everyDescriptionLineIsAValidFormatString() {
    List<String[]> lines = descriptions();
    // the launchers' commands, from every module that has one: a scan that missed them has gone
    // wrong
    assertThat(lines).hasSizeGreaterThan(200);
    for (Class<?> command :
        List.of(
            TrainCommand.class,
            DataCommand.class,
            EvalCommand.class,
            CaptionCli.class,
            LoadTestCommand.class,
            ReliabilityCommand.class)) {
      assertThat(lines).anyMatch(line -> line[0].startsWith(command.getName() + "."));
    }
    List<String> broken = new ArrayList<>();
    for (String[] line : lines) {
      formatError(line[1])
          .ifPresent(error -> broken.add(line[0] + ": \"" + line[1] + "\": " + error));
    }
    assertThat(broken).as("descriptions picocli cannot format; write %% for %").isEmpty();
  }

  @Test
  void aLonePercentIsCaughtAndEscapesAndLineBreaksPass() {
    assertThat(formatError("the 95% intervals")).isPresent();
    assertThat(formatError("the 95%% intervals%n(0: none)")).isEmpty();
  }
}
