package io.gcgserve.eval;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The append-only JSONL file of per-image predictions that makes a run resumable: each finished
 * (configuration, image) is one line, flushed at once; on restart the lines already there are
 * loaded and their work skipped. A torn last line from an interrupted write is ignored and redone.
 */
public final class ResultLog implements AutoCloseable {

  /** File name inside the output directory. */
  public static final String FILE = "predictions.jsonl";

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private final Map<String, PredictionRecord> records = new LinkedHashMap<>();
  private final BufferedWriter writer;

  /** Opens (and reads) {@code directory/predictions.jsonl}, creating it if needed. */
  public ResultLog(Path directory) throws IOException {
    Files.createDirectories(directory);
    Path file = directory.resolve(FILE);
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      StringBuilder valid = new StringBuilder();
      for (String line : lines) {
        if (line.isBlank()) {
          continue;
        }
        try {
          PredictionRecord record =
              PredictionRecord.fromJson(JsonParser.parseString(line).getAsJsonObject());
          records.put(key(record.configuration(), record.image()), record);
          valid.append(line).append('\n');
        } catch (JsonParseException
            | IllegalStateException
            | IllegalArgumentException
            | NullPointerException e) {
          // a line cut short by an interrupted run; its work is redone
        }
      }
      // rewrite without torn lines so that appends start on a fresh line
      Files.writeString(file, valid.toString(), StandardCharsets.UTF_8);
    }
    writer =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static String key(String configuration, String image) {
    return configuration + "\n" + image;
  }

  /** True when this (configuration, image) already has a prediction. */
  public synchronized boolean done(String configuration, String image) {
    return records.containsKey(key(configuration, image));
  }

  /** The stored prediction, or null. */
  public synchronized @Nullable PredictionRecord get(String configuration, String image) {
    return records.get(key(configuration, image));
  }

  /** Appends and flushes one prediction. */
  public synchronized void append(PredictionRecord record) throws IOException {
    writer.write(GSON.toJson(record.toJson()));
    writer.write('\n');
    writer.flush();
    records.put(key(record.configuration(), record.image()), record);
  }

  /** Number of stored predictions. */
  public synchronized int size() {
    return records.size();
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
