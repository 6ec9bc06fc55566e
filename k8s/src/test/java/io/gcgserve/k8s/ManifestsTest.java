package io.gcgserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.gcgserve.server.metrics.ServingMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every overlay of k8s/ rendered ({@code k8s/rendered}, kept current by {@link RenderTest}), every
 * object validated against the Kubernetes model with unknown fields refused, and the manifests
 * checked against the server's flags ({@link ManifestChecks}). Each check is also shown to fail on
 * a manifest broken on purpose.
 */
class ManifestsTest {

  static final Path K8S = Path.of("").toAbsolutePath();
  static final List<String> OVERLAYS = List.of("standalone", "sidecar", "gpu");

  static String rendered(String overlay) throws IOException {
    return Files.readString(K8S.resolve("rendered/" + overlay + ".yaml"), StandardCharsets.UTF_8);
  }

  static List<HasMetadata> objects(List<ObjectNode> documents) {
    return documents.stream().map(KubernetesObjects::read).collect(Collectors.toList());
  }

  /** The custom metrics prometheus-adapter's rules give the HPA ({@code name.as}). */
  static Set<String> adapterMetrics() throws IOException {
    JsonNode values =
        KubernetesObjects.YAML.readTree(
            K8S.resolve("monitoring/prometheus-adapter-values.yaml").toFile());
    Set<String> names = new HashSet<>();
    for (JsonNode rule : values.path("rules").path("custom")) {
      String series = rule.path("seriesQuery").asText();
      String name = rule.path("name").path("as").asText();
      // the rule reads the series it renames
      if (series.startsWith(name + "{")) {
        names.add(name);
      }
    }
    return names;
  }

  /** The metric names the server registers (gauges and counters as Prometheus names them). */
  static Set<String> serverMetrics() {
    PrometheusRegistry registry = new PrometheusRegistry();
    new ServingMetrics(registry);
    return registry.scrape().stream()
        .map(MetricSnapshot::getMetadata)
        .map(metadata -> metadata.getPrometheusName())
        .collect(Collectors.toSet());
  }

  static List<String> problems(List<ObjectNode> documents) throws IOException {
    return ManifestChecks.check(objects(documents), adapterMetrics(), serverMetrics());
  }

  @ParameterizedTest
  @ValueSource(strings = {"standalone", "sidecar", "gpu"})
  void everyObjectValidatesAndFitsTheServer(String overlay) throws IOException {
    List<ObjectNode> documents = KubernetesObjects.documents(rendered(overlay));
    assertThat(documents).isNotEmpty();
    List<HasMetadata> objects = objects(documents);
    assertThat(objects).extracting(HasMetadata::getKind).contains("Deployment", "PodMonitor");
    assertThat(ManifestChecks.check(objects, adapterMetrics(), serverMetrics())).isEmpty();
  }

  @Test
  void standaloneHasTheServiceAutoscalerBudgetAndPolicy() throws IOException {
    List<String> kinds =
        objects(KubernetesObjects.documents(rendered("standalone"))).stream()
            .map(HasMetadata::getKind)
            .toList();
    assertThat(kinds)
        .contains(
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "PodMonitor");
    assertThat(adapterMetrics()).contains("gcg_requests_in_flight", "gcg_requests_queued");
  }

  // ---- each check refuses a manifest broken on purpose ----

  /** The standalone overlay with {@code change} applied to the first document of {@code kind}. */
  static List<ObjectNode> broken(String kind, Consumer<ObjectNode> change) throws IOException {
    List<ObjectNode> documents = KubernetesObjects.documents(rendered("standalone"));
    ObjectNode target =
        documents.stream()
            .filter(document -> document.path("kind").asText().equals(kind))
            .findFirst()
            .orElseThrow();
    change.accept(target);
    return documents;
  }

  static ObjectNode server(ObjectNode deployment) {
    for (JsonNode container : deployment.at("/spec/template/spec/containers")) {
      if (container.path("name").asText().equals("gcg-serve")) {
        return (ObjectNode) container;
      }
    }
    throw new AssertionError("no gcg-serve container");
  }

  @Test
  void anUnknownFieldIsRefusedWithItsPath() throws IOException {
    List<ObjectNode> documents =
        broken("Deployment", deployment -> server(deployment).put("resourcez", "typo"));
    assertThatThrownBy(() -> objects(documents))
        .hasMessageContaining("Deployment/gcg-serve: unknown fields")
        .hasMessageContaining("spec.template.spec.containers[0].resourcez");
  }

  @Test
  void aNestedUnknownFieldIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment ->
                ((ObjectNode) server(deployment).path("readinessProbe").path("grpc"))
                    .put("path", "/healthz"));
    assertThatThrownBy(() -> objects(documents))
        .hasMessageContaining("spec.template.spec.containers[0].readinessProbe.grpc.path");
  }

  @Test
  void aValueOfTheWrongTypeIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment -> ((ObjectNode) deployment.path("spec")).put("replicas", "two"));
    assertThatThrownBy(() -> objects(documents))
        .hasMessageContaining("Deployment/gcg-serve: does not match Deployment");
  }

  @Test
  void anUnknownApiVersionIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "HorizontalPodAutoscaler",
            autoscaler -> autoscaler.put("apiVersion", "autoscaling/v2beta2"));
    assertThatThrownBy(() -> objects(documents))
        .hasMessageContaining(
            "unknown apiVersion/kind autoscaling/v2beta2/HorizontalPodAutoscaler");
  }

  @Test
  void aProbeOnTheWrongPortIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment ->
                ((ObjectNode) server(deployment).path("readinessProbe").path("grpc"))
                    .put("port", 50052));
    assertThat(problems(documents))
        .containsExactly(
            "Deployment/gcg-serve: readinessProbe probes port 50052 but gcg-serve listens on"
                + " --port 50051");
  }

  @Test
  void aMissingProbeIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken("Deployment", deployment -> server(deployment).remove("livenessProbe"));
    assertThat(problems(documents))
        .containsExactly("Deployment/gcg-serve: gcg-serve has no livenessProbe");
  }

  @Test
  void aServerPortChangedInTheArgsAloneIsRefusedEverywhereItMatters() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment -> {
              ArrayNode args = (ArrayNode) server(deployment).path("args");
              args.set(0, args.textNode("--port=6000"));
            });
    List<String> problems = problems(documents);
    assertThat(problems)
        .contains(
            "Deployment/gcg-serve: container port grpc is 50051 but gcg-serve listens on --port"
                + " 6000",
            "Deployment/gcg-serve: startupProbe probes port 50051 but gcg-serve listens on --port"
                + " 6000");
    assertThat(problems).anyMatch(problem -> problem.startsWith("Service/gcg-serve: port grpc"));
  }

  @Test
  void aGraceShorterThanTheDrainIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment ->
                ((ObjectNode) deployment.at("/spec/template/spec"))
                    .put("terminationGracePeriodSeconds", 30));
    assertThat(problems(documents))
        .containsExactly(
            "Deployment/gcg-serve: terminationGracePeriodSeconds 30 < drain delay 5 + grace 30 +"
                + " engine stop 5 = 40: the kubelet would SIGKILL a clean drain");
  }

  @Test
  void anUnknownServerFlagIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment -> ((ArrayNode) server(deployment).path("args")).add("--drain-seconds=5"));
    assertThat(problems(documents))
        .containsExactly(
            "Deployment/gcg-serve: gcg-serve args: unknown gcg-serve flag --drain-seconds");
  }

  @Test
  void aGrpcProbeOnALoopbackServerIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment -> {
              ArrayNode args = (ArrayNode) server(deployment).path("args");
              args.set(2, args.textNode("--bind=127.0.0.1"));
            });
    List<String> problems = problems(documents);
    assertThat(problems)
        .anyMatch(problem -> problem.contains("startupProbe: a gRPC probe reaches the pod IP"))
        .anyMatch(problem -> problem.contains("do not publish a grpc port"))
        .anyMatch(problem -> problem.contains("/metrics is bound to loopback"));
  }

  @Test
  void aWritableRootIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "Deployment",
            deployment ->
                ((ObjectNode) server(deployment).path("securityContext"))
                    .put("readOnlyRootFilesystem", false));
    assertThat(problems(documents))
        .containsExactly(
            "Deployment/gcg-serve: gcg-serve needs readOnlyRootFilesystem: true,"
                + " allowPrivilegeEscalation: false and capabilities drop ALL");
  }

  @Test
  void anAutoscalerOnAMetricNobodyProvidesIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "HorizontalPodAutoscaler",
            autoscaler ->
                ((ObjectNode) autoscaler.at("/spec/metrics/0/pods/metric"))
                    .put("name", "gcg_requests_inflight"));
    assertThat(problems(documents))
        .contains(
            "HorizontalPodAutoscaler/gcg-serve: metric gcg_requests_inflight is not one the"
                + " server exports");
  }

  @Test
  void aPodMonitorOnAnUndeclaredPortIsRefused() throws IOException {
    List<ObjectNode> documents =
        broken(
            "PodMonitor",
            monitor ->
                ((ObjectNode) monitor.at("/spec/podMetricsEndpoints/0"))
                    .put("port", "http-metrics"));
    List<String> problems = new ArrayList<>(problems(documents));
    assertThat(problems)
        .containsExactly(
            "PodMonitor/gcg-serve: scrapes port 'http-metrics', which is not gcg-serve's"
                + " --metrics-port 9464");
  }
}
