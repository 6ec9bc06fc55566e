package io.gcgserve.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads rendered manifests into fabric8's Kubernetes model classes and refuses what the API server
 * would: an unknown kind or apiVersion, a value of the wrong type, and, unlike fabric8's lenient
 * defaults, any field the schema does not have. fabric8 keeps unknown fields in each object's
 * {@code additionalProperties}; {@link #unknownFields} walks the whole object tree and reports
 * every one with its path, as {@code kubectl apply --validate=strict} would.
 */
final class KubernetesObjects {

  static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  /** The kinds the manifests may hold, by apiVersion and kind. */
  static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "apps/v1/Deployment", Deployment.class,
          "v1/Service", Service.class,
          "v1/ConfigMap", ConfigMap.class,
          "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
          "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
          "monitoring.coreos.com/v1/PodMonitor", PodMonitor.class,
          "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

  private KubernetesObjects() {}

  /** The YAML documents of {@code text}, empty ones dropped. */
  static List<ObjectNode> documents(String text) throws IOException {
    List<ObjectNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> nodes = YAML.readerFor(JsonNode.class).readValues(text)) {
      while (nodes.hasNext()) {
        JsonNode node = nodes.next();
        if (node != null && node.isObject()) {
          documents.add((ObjectNode) node);
        } else if (node != null && !node.isNull() && !node.isMissingNode()) {
          throw new IOException("a document that is not a mapping: " + node);
        }
      }
    }
    return documents;
  }

  /** {@code kind/name} of a document, for messages. */
  static String describe(JsonNode document) {
    return document.path("kind").asText("?")
        + "/"
        + document.path("metadata").path("name").asText("?");
  }

  /**
   * The model object of {@code document}.
   *
   * @throws IllegalArgumentException naming the document and what is wrong: an unknown kind, a
   *     value of the wrong type, or the paths of unknown fields
   */
  static HasMetadata read(JsonNode document) {
    String key = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
    Class<? extends HasMetadata> type = KINDS.get(key);
    if (type == null) {
      throw new IllegalArgumentException(
          describe(document) + ": unknown apiVersion/kind " + key + "; known: " + KINDS.keySet());
    }
    HasMetadata object;
    try {
      object = YAML.treeToValue(document, type);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          describe(document) + ": does not match " + type.getSimpleName() + ": " + e.getMessage(),
          e);
    }
    List<String> unknown = new ArrayList<>();
    unknownFields(object, "", unknown);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          describe(document) + ": unknown fields " + String.join(", ", unknown));
    }
    return object;
  }

  /** Adds the path of every field held in an {@code additionalProperties} under {@code value}. */
  static void unknownFields(Object value, String path, List<String> unknown) {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        unknownFields(list.get(i), path + "[" + i + "]", unknown);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (entry.getValue() != null) {
          unknownFields(entry.getValue(), path + "[" + entry.getKey() + "]", unknown);
        }
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    List<Method> getters = new ArrayList<>();
    for (Method method : value.getClass().getMethods()) {
      if (method.getParameterCount() == 0
          && !Modifier.isStatic(method.getModifiers())
          && method.getName().startsWith("get")
          && !method.getName().equals("getClass")
          && !method.getReturnType().isPrimitive()) {
        getters.add(method);
      }
    }
    getters.sort(Comparator.comparing(Method::getName));
    for (Method getter : getters) {
      Object child;
      try {
        child = getter.invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (child == null) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        for (Object key : ((Map<?, ?>) child).keySet()) {
          unknown.add(path.isEmpty() ? String.valueOf(key) : path + "." + key);
        }
        continue;
      }
      String field = getter.getName().substring(3);
      field = Character.toLowerCase(field.charAt(0)) + field.substring(1);
      unknownFields(child, path.isEmpty() ? field : path + "." + field, unknown);
    }
  }
}
