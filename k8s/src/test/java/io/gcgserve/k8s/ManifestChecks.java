package io.gcgserve.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMetricsEndpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.gcgserve.server.config.ServerConfig;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * What the schemas cannot see: that the manifests fit the server they run. Each check returns a
 * problem naming the object and what to fix; an empty list means the overlay is consistent.
 *
 * <p>The gcg-serve container (named {@code gcg-serve}, in {@code containers} or, as a native
 * sidecar, in {@code initContainers}) is read with the server's own flags ({@link ServerArgs}), and
 * every probe, port, Service, NetworkPolicy, PodMonitor, PodDisruptionBudget and
 * HorizontalPodAutoscaler is checked against what those flags make the server do.
 */
final class ManifestChecks {

  /** The container that runs the server. */
  static final String CONTAINER = "gcg-serve";

  /** The health services the server registers ({@code GcgServer}). */
  static final Set<String> HEALTH_SERVICES = Set.of("", "gcg.v1.GroundedCaption");

  /** What the server waits for the engine and model after the grace ({@code GcgServer}). */
  static final long ENGINE_STOP_SECONDS = 5;

  private final List<HasMetadata> objects;
  private final Set<String> adapterMetrics;
  private final Set<String> serverMetrics;
  private final List<String> problems = new ArrayList<>();

  private ManifestChecks(
      List<HasMetadata> objects, Set<String> adapterMetrics, Set<String> serverMetrics) {
    this.objects = objects;
    this.adapterMetrics = adapterMetrics;
    this.serverMetrics = serverMetrics;
  }

  /**
   * The problems of one rendered overlay.
   *
   * @param adapterMetrics the custom metrics prometheus-adapter's rules provide
   * @param serverMetrics the metric names the server exports
   */
  static List<String> check(
      List<HasMetadata> objects, Set<String> adapterMetrics, Set<String> serverMetrics) {
    ManifestChecks checks = new ManifestChecks(objects, adapterMetrics, serverMetrics);
    checks.run();
    return checks.problems;
  }

  private <T> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private void problem(HasMetadata object, String text) {
    problems.add(object.getKind() + "/" + object.getMetadata().getName() + ": " + text);
  }

  private void run() {
    List<Deployment> deployments = all(Deployment.class);
    if (deployments.isEmpty()) {
      problems.add("no Deployment");
    }
    for (Deployment deployment : deployments) {
      checkDeployment(deployment);
    }
    all(Service.class).forEach(this::checkService);
    all(NetworkPolicy.class).forEach(this::checkNetworkPolicy);
    all(PodMonitor.class).forEach(this::checkPodMonitor);
    all(PodDisruptionBudget.class).forEach(this::checkDisruptionBudget);
    all(HorizontalPodAutoscaler.class).forEach(this::checkAutoscaler);
  }

  /** The gcg-serve container of {@code pod}, where a pod has one. */
  static @Nullable Container server(PodSpec pod) {
    return Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream())
        .filter(container -> container.getName().equals(CONTAINER))
        .findFirst()
        .orElse(null);
  }

  private static boolean loopback(String address) {
    if (address.equals("*")) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private void checkDeployment(Deployment deployment) {
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container server = server(pod);
    if (server == null) {
      problem(deployment, "no container named " + CONTAINER);
      return;
    }
    ServerConfig config;
    try {
      config = ServerArgs.parse(server.getArgs());
    } catch (IllegalArgumentException e) {
      problem(deployment, "gcg-serve args: " + e.getMessage());
      return;
    }
    if (pod.getInitContainers().contains(server) && !"Always".equals(server.getRestartPolicy())) {
      problem(deployment, "gcg-serve as an init container must be a sidecar: restartPolicy Always");
    }
    checkPorts(deployment, server, config);
    boolean grpcLoopback = loopback(config.bind());
    checkProbe(deployment, "startupProbe", server.getStartupProbe(), config, grpcLoopback);
    checkProbe(deployment, "readinessProbe", server.getReadinessProbe(), config, grpcLoopback);
    checkProbe(deployment, "livenessProbe", server.getLivenessProbe(), config, grpcLoopback);
    long needed =
        config.drainDelay().toSeconds() + config.drainGrace().toSeconds() + ENGINE_STOP_SECONDS;
    Long grace = pod.getTerminationGracePeriodSeconds();
    long granted = grace == null ? 30 : grace;
    if (granted < needed) {
      problem(
          deployment,
          "terminationGracePeriodSeconds "
              + granted
              + " < drain delay "
              + config.drainDelay().toSeconds()
              + " + grace "
              + config.drainGrace().toSeconds()
              + " + engine stop "
              + ENGINE_STOP_SECONDS
              + " = "
              + needed
              + ": the kubelet would SIGKILL a clean drain");
    }
    checkSecurity(deployment, pod, server);
    var resources = server.getResources();
    if (resources == null
        || resources.getRequests() == null
        || !resources.getRequests().containsKey("cpu")
        || !resources.getRequests().containsKey("memory")
        || resources.getLimits() == null
        || !resources.getLimits().containsKey("memory")) {
      problem(deployment, "gcg-serve needs cpu and memory requests and a memory limit");
    }
  }

  private void checkPorts(Deployment deployment, Container server, ServerConfig config) {
    for (ContainerPort port : server.getPorts()) {
      if ("grpc".equals(port.getName()) && port.getContainerPort() != config.port()) {
        problem(
            deployment,
            "container port grpc is "
                + port.getContainerPort()
                + " but gcg-serve listens on --port "
                + config.port());
      }
      if ("metrics".equals(port.getName()) && port.getContainerPort() != config.metricsPort()) {
        problem(
            deployment,
            "container port metrics is "
                + port.getContainerPort()
                + " but /metrics is on --metrics-port "
                + config.metricsPort());
      }
    }
    if (loopback(config.bind())
        && server.getPorts().stream().anyMatch(port -> "grpc".equals(port.getName()))) {
      problem(deployment, "gRPC is bound to " + config.bind() + ": do not publish a grpc port");
    }
  }

  private void checkProbe(
      Deployment deployment,
      String kind,
      @Nullable Probe probe,
      ServerConfig config,
      boolean loopback) {
    if (probe == null) {
      problem(deployment, "gcg-serve has no " + kind);
      return;
    }
    if (probe.getGrpc() != null) {
      if (loopback) {
        problem(
            deployment,
            kind
                + ": a gRPC probe reaches the pod IP, but gcg-serve is bound to "
                + config.bind()
                + "; use an exec probe (/opt/gcg-serve/bin/gcg-health)");
      }
      if (probe.getGrpc().getPort() != config.port()) {
        problem(
            deployment,
            kind
                + " probes port "
                + probe.getGrpc().getPort()
                + " but gcg-serve listens on --port "
                + config.port());
      }
      String service = Objects.requireNonNullElse(probe.getGrpc().getService(), "");
      if (!HEALTH_SERVICES.contains(service)) {
        problem(
            deployment,
            kind + " asks for health service '" + service + "'; the server has " + HEALTH_SERVICES);
      }
    } else if (probe.getExec() != null) {
      List<String> command = probe.getExec().getCommand();
      if (command.isEmpty()
          || !command.get(0).endsWith("/gcg-health")
          || !command.get(command.size() - 1).endsWith(String.valueOf(config.port()))) {
        problem(
            deployment,
            kind + " exec " + command + " is not gcg-health on --port " + config.port());
      }
    } else {
      problem(deployment, kind + ": gcg-serve has gRPC health only: use a grpc or exec probe");
    }
  }

  private void checkSecurity(Deployment deployment, PodSpec pod, Container server) {
    var podSecurity = pod.getSecurityContext();
    var security = server.getSecurityContext();
    boolean nonRoot =
        (security != null && Boolean.TRUE.equals(security.getRunAsNonRoot()))
            || (podSecurity != null && Boolean.TRUE.equals(podSecurity.getRunAsNonRoot()));
    if (!nonRoot) {
      problem(deployment, "gcg-serve must run as non-root (runAsNonRoot: true)");
    }
    if (security == null
        || !Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())
        || !Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())
        || security.getCapabilities() == null
        || !security.getCapabilities().getDrop().contains("ALL")) {
      problem(
          deployment,
          "gcg-serve needs readOnlyRootFilesystem: true, allowPrivilegeEscalation: false and"
              + " capabilities drop ALL");
    }
    boolean tmp =
        server.getVolumeMounts().stream().map(VolumeMount::getMountPath).anyMatch("/tmp"::equals);
    if (!tmp) {
      problem(
          deployment,
          "with a read-only root gcg-serve needs a writable /tmp (DJL extracts PyTorch there)");
    }
  }

  /**
   * The pods' labels and server containers of every Deployment whose pods {@code selector} picks.
   */
  private List<Container> selectedServers(Map<String, String> selector) {
    List<Container> servers = new ArrayList<>();
    for (Deployment deployment : all(Deployment.class)) {
      Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
      if (selector != null
          && !selector.isEmpty()
          && labels.entrySet().containsAll(selector.entrySet())) {
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream())
            .forEach(servers::add);
      }
    }
    return servers;
  }

  /** The container port {@code port} (a name or number) resolves to, or -1. */
  private static int resolve(List<Container> containers, @Nullable IntOrString port) {
    if (port == null) {
      return -1;
    }
    if (port.getIntVal() != null) {
      return containers.stream()
              .flatMap(container -> container.getPorts().stream())
              .anyMatch(declared -> declared.getContainerPort().equals(port.getIntVal()))
          ? port.getIntVal()
          : -1;
    }
    return containers.stream()
        .flatMap(container -> container.getPorts().stream())
        .filter(declared -> port.getStrVal().equals(declared.getName()))
        .mapToInt(ContainerPort::getContainerPort)
        .findFirst()
        .orElse(-1);
  }

  /**
   * The server configuration of the gcg-serve container among {@code containers}; null when there
   * is none, or when its args are bad (the Deployment's check reports those).
   */
  private @Nullable ServerConfig serverConfig(List<Container> containers) {
    try {
      return containers.stream()
          .filter(container -> container.getName().equals(CONTAINER))
          .findFirst()
          .map(container -> ServerArgs.parse(container.getArgs()))
          .orElse(null);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean hasServer(List<Container> containers) {
    return containers.stream().anyMatch(container -> container.getName().equals(CONTAINER));
  }

  private void checkService(Service service) {
    List<Container> containers = selectedServers(service.getSpec().getSelector());
    ServerConfig config = serverConfig(containers);
    if (config == null) {
      if (!hasServer(containers)) {
        problem(service, "selects no pod with a gcg-serve container");
      }
      return;
    }
    for (ServicePort port : service.getSpec().getPorts()) {
      int target = resolve(containers, port.getTargetPort());
      if (target != config.port() && target != config.metricsPort()) {
        problem(
            service,
            "port "
                + port.getName()
                + " targets "
                + port.getTargetPort()
                + ", which is not gcg-serve's --port "
                + config.port()
                + " or --metrics-port "
                + config.metricsPort());
      }
      if (target == config.port() && loopback(config.bind())) {
        problem(service, "targets gRPC, but gcg-serve is bound to " + config.bind());
      }
    }
  }

  private void checkNetworkPolicy(NetworkPolicy policy) {
    List<Container> containers =
        selectedServers(policy.getSpec().getPodSelector().getMatchLabels());
    if (!hasServer(containers)) {
      problem(policy, "selects no pod with a gcg-serve container");
      return;
    }
    for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
      for (NetworkPolicyPort port : rule.getPorts()) {
        if (resolve(containers, port.getPort()) < 0) {
          problem(policy, "allows port " + port.getPort() + ", which no container declares");
        }
      }
    }
  }

  private void checkPodMonitor(PodMonitor monitor) {
    List<Container> containers = selectedServers(monitor.getSpec().getSelector().getMatchLabels());
    ServerConfig config = serverConfig(containers);
    if (config == null) {
      if (!hasServer(containers)) {
        problem(monitor, "selects no pod with a gcg-serve container");
      }
      return;
    }
    for (PodMetricsEndpoint endpoint : monitor.getSpec().getPodMetricsEndpoints()) {
      int port = resolve(containers, new IntOrString(endpoint.getPort()));
      if (port != config.metricsPort()) {
        problem(
            monitor,
            "scrapes port '"
                + endpoint.getPort()
                + "', which is not gcg-serve's --metrics-port "
                + config.metricsPort());
      }
      if (loopback(config.metricsBind().isEmpty() ? config.bind() : config.metricsBind())) {
        problem(monitor, "/metrics is bound to loopback: Prometheus cannot scrape it");
      }
    }
  }

  private void checkDisruptionBudget(PodDisruptionBudget budget) {
    if (!hasServer(selectedServers(budget.getSpec().getSelector().getMatchLabels()))) {
      problem(budget, "selects no pod with a gcg-serve container");
    }
  }

  private void checkAutoscaler(HorizontalPodAutoscaler autoscaler) {
    var target = autoscaler.getSpec().getScaleTargetRef();
    boolean found =
        all(Deployment.class).stream()
            .anyMatch(
                deployment ->
                    target.getKind().equals("Deployment")
                        && deployment.getMetadata().getName().equals(target.getName()));
    if (!found) {
      problem(autoscaler, "scales " + target.getKind() + "/" + target.getName() + ", not here");
    }
    for (MetricSpec metric : autoscaler.getSpec().getMetrics()) {
      if (metric.getPods() == null) {
        continue;
      }
      String name = metric.getPods().getMetric().getName();
      if (!adapterMetrics.contains(name)) {
        problem(
            autoscaler,
            "metric " + name + " is not provided by prometheus-adapter's rules " + adapterMetrics);
      }
      if (!serverMetrics.contains(name)) {
        problem(autoscaler, "metric " + name + " is not one the server exports");
      }
    }
  }
}
