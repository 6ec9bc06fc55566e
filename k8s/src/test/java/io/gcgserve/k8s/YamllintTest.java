package io.gcgserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * yamllint (k8s/yamllint.yaml) over every YAML file of k8s/. yamllint is a Debian package: when it
 * is missing and this runs as root with apt-get, the test installs it (the README's contract);
 * otherwise it fails saying how to install it.
 */
class YamllintTest {

  @BeforeAll
  static void installYamllintIfMissing() throws Exception {
    if (run(List.of("yamllint", "--version")).exit == 0) {
      return;
    }
    Result install = run(List.of("apt-get", "install", "-y", "-q", "yamllint"));
    if (install.exit != 0) {
      run(List.of("apt-get", "update", "-q"));
      install = run(List.of("apt-get", "install", "-y", "-q", "yamllint"));
    }
    assertThat(run(List.of("yamllint", "--version")).exit)
        .as(
            "yamllint missing and could not be installed: apt-get install yamllint%n%s",
            install.output)
        .isZero();
  }

  record Result(int exit, String output) {}

  static Result run(List<String> command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(300, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, output + "\n(timed out)");
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    }
  }

  static Result lint(Path path) throws InterruptedException {
    return run(
        List.of(
            "yamllint",
            "--strict",
            "-c",
            ManifestsTest.K8S.resolve("yamllint.yaml").toString(),
            path.toString()));
  }

  @Test
  void everyYamlFileUnderK8sIsClean() throws Exception {
    Result result = lint(ManifestsTest.K8S);
    assertThat(result.exit()).as(result.output()).isZero();
  }

  @Test
  void aDuplicateKeyIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(
        file,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n",
        StandardCharsets.UTF_8);
    Result result = lint(file);
    assertThat(result.exit()).isNotZero();
    assertThat(result.output()).contains("duplication of key \"name\"");
  }
}
