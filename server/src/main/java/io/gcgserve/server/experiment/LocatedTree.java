package io.gcgserve.server.experiment;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A YAML or JSON document read into a Jackson tree that remembers where each value starts, so a
 * validation error can name the line and column of the field it is about. Paths are written the way
 * error messages show them: {@code experiments[0].arms[1].weight}.
 */
final class LocatedTree {

  /** Where a value starts in the file, 1-based. */
  record Location(int line, int column) {
    @Override
    public String toString() {
      return line + ":" + column;
    }
  }

  private final JsonNode root;
  private final Map<String, Location> locations;

  private LocatedTree(JsonNode root, Map<String, Location> locations) {
    this.root = root;
    this.locations = locations;
  }

  /**
   * Reads one document.
   *
   * @throws IOException when the text is not well-formed YAML or JSON (Jackson's message names the
   *     line)
   */
  static LocatedTree read(JsonFactory factory, byte[] text) throws IOException {
    Map<String, Location> locations = new HashMap<>();
    try (JsonParser parser = factory.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new LocatedTree(JsonNodeFactory.instance.missingNode(), locations);
      }
      JsonNode root = value(parser, "", locations);
      if (parser.nextToken() != null) {
        throw new IOException(
            "more than one document at " + location(parser) + "; the file holds one");
      }
      return new LocatedTree(root, locations);
    }
  }

  /** The document's root value (a missing node for an empty file). */
  JsonNode root() {
    return root;
  }

  /** Where the value at {@code path} starts; the file's start when unknown. */
  Location locate(String path) {
    Location location = locations.get(path);
    return location == null ? new Location(1, 1) : location;
  }

  private static JsonNode value(JsonParser parser, String path, Map<String, Location> locations)
      throws IOException {
    locations.put(path, location(parser));
    JsonToken token = parser.currentToken();
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    switch (token) {
      case START_OBJECT:
        {
          ObjectNode object = nodes.objectNode();
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            String child = path.isEmpty() ? name : path + "." + name;
            if (object.has(name)) {
              throw new IOException(
                  child + " at " + location(parser) + " is given twice; give each key once");
            }
            parser.nextToken();
            object.set(name, value(parser, child, locations));
          }
          return object;
        }
      case START_ARRAY:
        {
          ArrayNode array = nodes.arrayNode();
          while (parser.nextToken() != JsonToken.END_ARRAY) {
            array.add(value(parser, path + "[" + array.size() + "]", locations));
          }
          return array;
        }
      case VALUE_STRING:
        return nodes.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        return nodes.numberNode(parser.getBigIntegerValue());
      case VALUE_NUMBER_FLOAT:
        return nodes.numberNode(parser.getDecimalValue());
      case VALUE_TRUE:
        return nodes.booleanNode(true);
      case VALUE_FALSE:
        return nodes.booleanNode(false);
      case VALUE_NULL:
        return nodes.nullNode();
      default:
        throw new IOException("unexpected " + token + " at " + location(parser));
    }
  }

  private static Location location(JsonParser parser) {
    var location = parser.currentTokenLocation();
    return new Location(location.getLineNr(), location.getColumnNr());
  }
}
