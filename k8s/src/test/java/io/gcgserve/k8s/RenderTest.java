package io.gcgserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every overlay renders with {@code kubectl kustomize}, and the copy in k8s/rendered that {@link
 * ManifestsTest} validates is what it renders to today (k8s/render.sh writes them). Needs kubectl
 * (kustomize v5 inside) on the PATH; where there is none the validation still runs on the committed
 * copies and this test is skipped, saying so.
 */
class RenderTest {

  static boolean hasKubectl() {
    try {
      Process process =
          new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** What k8s/render.sh writes for {@code overlay}. */
  static String render(Path overlay) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kubectl", "kustomize", overlay.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("kubectl kustomize %s:%n%s", overlay, output).isZero();
    return "# Rendered from k8s/overlays/"
        + overlay.getFileName()
        + " by k8s/render.sh (kubectl kustomize); do not edit.\n"
        + output;
  }

  @ParameterizedTest
  @ValueSource(strings = {"standalone", "sidecar", "gpu"})
  void overlayRendersToItsCommittedCopy(String overlay) throws Exception {
    assumeThat(hasKubectl()).as("kubectl on the PATH (validation ran on k8s/rendered)").isTrue();
    String fresh = render(ManifestsTest.K8S.resolve("overlays/" + overlay));
    String committed = ManifestsTest.rendered(overlay);
    assertThat(committed)
        .as("k8s/rendered/%s.yaml is stale: run k8s/render.sh", overlay)
        .isEqualTo(fresh);
  }

  @ParameterizedTest
  @ValueSource(strings = {"standalone", "sidecar", "gpu"})
  void aBrokenPatchFailsToRender(String overlay, @org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    assumeThat(hasKubectl()).as("kubectl on the PATH").isTrue();
    // an overlay of the overlay whose patch targets a container that does not exist
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "resources:\n  - "
            + ManifestsTest.K8S.resolve("overlays/" + overlay)
            + "\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n"
            + "      - op: replace\n        path: /spec/template/spec/containers/7/image\n"
            + "        value: nope\n");
    Process process =
        new ProcessBuilder("kubectl", "kustomize", dir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isNotZero();
  }
}
