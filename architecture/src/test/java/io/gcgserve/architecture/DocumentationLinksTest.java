package io.gcgserve.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the repository's Markdown ({@code [text](path)} and images) names a file
 * or folder that exists, so that the READMEs' layout tables and figures' sources do not rot when
 * files move. Web links and in-page anchors are not checked.
 */
class DocumentationLinksTest {

  /** Folders that hold build output, installed packages, or runs: not documentation. */
  private static final Set<String> SKIPPED = Set.of("target", "node_modules", "runs", "out");

  /** A Markdown link or image: the target runs to the first space or closing parenthesis. */
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  static Path repositoryRoot() {
    Path module = Path.of("").toAbsolutePath();
    Path root = module.getParent();
    if (root == null || !Files.isRegularFile(root.resolve("README.md"))) {
      throw new IllegalStateException("run from the architecture module, not " + module);
    }
    return root;
  }

  static List<Path> markdownFiles(Path root) {
    List<Path> files = new ArrayList<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
              String name = dir.equals(root) ? "" : dir.getFileName().toString();
              return SKIPPED.contains(name) || name.startsWith(".")
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              if (file.getFileName().toString().endsWith(".md")) {
                files.add(file);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** The relative link targets in {@code text} that do not resolve from {@code directory}. */
  static List<String> brokenLinks(Path directory, String text) {
    List<String> broken = new ArrayList<>();
    Matcher matcher = LINK.matcher(text);
    while (matcher.find()) {
      String target = matcher.group(1);
      if (target.startsWith("#") || target.contains("://") || target.startsWith("mailto:")) {
        continue;
      }
      int anchor = target.indexOf('#');
      String path = anchor < 0 ? target : target.substring(0, anchor);
      if (!Files.exists(directory.resolve(path).normalize())) {
        broken.add(target);
      }
    }
    return broken;
  }

  @Test
  void everyRelativeLinkInTheMarkdownNamesAFileThatExists() throws IOException {
    Path root = repositoryRoot();
    List<Path> files = markdownFiles(root);
    // the root README, the module READMEs and docs/: a walk that found few has gone wrong
    assertThat(files).hasSizeGreaterThan(20).contains(root.resolve("README.md"));
    List<String> broken = new ArrayList<>();
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      for (String target : brokenLinks(file.getParent(), text)) {
        broken.add(root.relativize(file) + " -> " + target);
      }
    }
    assertThat(broken).as("links to files that do not exist").isEmpty();
  }

  @Test
  void theCheckFindsAMissingFileAndPassesWebLinksAnchorsAndExistingFiles() {
    Path root = repositoryRoot();
    String text =
        "[ok](README.md) [dir](docs/) [anchor](README.md#two-commands) [web](https://x.org/a)"
            + " [here](#layout) ![img](docs/overlay.png) [gone](docs/nowhere.md#x)"
            + " ![gone too](no-such.png)";
    assertThat(brokenLinks(root, text)).containsExactly("docs/nowhere.md#x", "no-such.png");
  }
}
