package io.gcgserve.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering rules of gcg-serve as ArchUnit rules, one constant per rule.
 *
 * <p>They live apart from the tests that apply them so that the same rule object is checked against
 * the production classes and against the deliberately violating fixtures: a rule that could never
 * fail would pass both ways unnoticed.
 */
final class LayeringRules {

  /** The pruner SPI packages: what a plugin compiles against. */
  static final String[] PRUNER_SPI_PACKAGES = {
    "io.gcgserve.pruners", "io.gcgserve.pruners.flops", "io.gcgserve.pruners.ranking"
  };

  /** The engine-free model API packages. */
  static final String[] MODEL_API_PACKAGES = {
    "io.gcgserve.model", "io.gcgserve.model.mask", "io.gcgserve.model.image"
  };

  /** The one class outside the runtime and training that touches DJL: the model benchmark. */
  static final String MODEL_BENCHMARK = "io.gcgserve.eval.bench.ModelBench";

  /**
   * (a) DJL stays behind the runtime: only the runtime, training and the model benchmark (which
   * times prefill on raw arrays) may use {@code ai.djl}.
   */
  static final ArchRule ONLY_RUNTIME_TRAINING_AND_MODEL_BENCHMARK_USE_DJL =
      noClasses()
          .that()
          .resideInAPackage("io.gcgserve..")
          .and()
          .resideOutsideOfPackages("io.gcgserve.model.djl..", "io.gcgserve.model.train..")
          .and(DescribedPredicate.not(belongToClass(MODEL_BENCHMARK)))
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.djl..")
          .because("the server, pruners, data and eval must run against the engine-free API");

  /** (b) The pruner SPI is JDK only, so a plugin jar needs nothing but the SPI. */
  static final ArchRule PRUNER_SPI_DEPENDS_ONLY_ON_JDK =
      classes()
          .that()
          .resideInAnyPackage(PRUNER_SPI_PACKAGES)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(concat(PRUNER_SPI_PACKAGES, "java..", "org.jspecify.."))
          .because("plugins compile against the SPI alone");

  /** (c) The model API is engine free: JDK, image I/O, the pruner SPI and nullness annotations. */
  static final ArchRule MODEL_API_DEPENDS_ONLY_ON_JDK_AND_SPI =
      classes()
          .that()
          .resideInAnyPackage(MODEL_API_PACKAGES)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              concat(
                  concat(MODEL_API_PACKAGES, PRUNER_SPI_PACKAGES),
                  "java..",
                  "javax.imageio..",
                  "org.jspecify.."))
          .because("the server and clients of the model must not pull in an engine");

  /**
   * (g) The engine schedules sessions through the model API alone: it runs any stepwise model, and
   * its tests run it on a scripted one.
   */
  static final ArchRule ENGINE_DEPENDS_ONLY_ON_THE_MODEL_API =
      classes()
          .that()
          .resideInAPackage("io.gcgserve.engine..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              concat(
                  concat(MODEL_API_PACKAGES, PRUNER_SPI_PACKAGES),
                  "io.gcgserve.engine..",
                  "java..",
                  "org.jspecify.."))
          .because("the scheduler must not depend on DJL, the server or gRPC");

  /**
   * (d) The server ships without the data generator, the trainer, the evaluation tools and the
   * harness that runs a server for them.
   */
  static final ArchRule SERVER_DOES_NOT_USE_DATA_TRAINING_OR_EVAL =
      noClasses()
          .that()
          .resideInAPackage("io.gcgserve.server..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.gcgserve.model.data..",
              "io.gcgserve.model.train..",
              "io.gcgserve.eval..",
              "io.gcgserve.harness..")
          .because("those are tools, not part of the served artifact");

  /**
   * (e) One image decoder: request images are decoded only in {@code io.gcgserve.model.image},
   * which checks formats and declared sizes before decoding. The Java client is exempt: it is a
   * separate library that does not depend on the model API, and it decodes only the caller's own
   * file to draw an overlay.
   */
  static final ArchRule ONLY_THE_IMAGE_PACKAGE_DECODES_IMAGES =
      noClasses()
          .that()
          .resideInAPackage("io.gcgserve..")
          .and()
          .resideOutsideOfPackages("io.gcgserve.model.image..", "io.gcgserve.client..")
          .should()
          .callMethodWhere(imageIoDecoding())
          .because("every decode must pass the size and format checks of ImageDecoder");

  /** (f) One registry: only {@code PrunerRegistry} discovers pruner factories by ServiceLoader. */
  static final ArchRule ONLY_THE_REGISTRY_LOADS_SERVICES =
      noClasses()
          .that()
          .resideInAPackage("io.gcgserve..")
          .and(DescribedPredicate.not(belongToClass("io.gcgserve.pruners.PrunerRegistry")))
          .should()
          .callMethodWhere(serviceLoaderLoading())
          .because("a second registry would list a different set of pruners");

  /**
   * (h) The load tester measures the server from outside, over gRPC: it may read the access-log
   * record (the shape eval's quality scoring takes a served caption in), but no other server class,
   * nor the engine or the model runtime, so nothing it reports can come from inside the process.
   */
  static final ArchRule LOAD_TESTER_TALKS_TO_THE_SERVER_OVER_GRPC_ONLY =
      noClasses()
          .that()
          .resideInAPackage("io.gcgserve.loadtest..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.gcgserve.server",
              "io.gcgserve.server.config..",
              "io.gcgserve.server.experiment..",
              "io.gcgserve.server.grpc..",
              "io.gcgserve.server.metrics..",
              "io.gcgserve.server.model..",
              "io.gcgserve.server.pruner..",
              "io.gcgserve.engine..",
              "io.gcgserve.model.djl..")
          .because("a load test measures what a client sees, over the wire");

  private LayeringRules() {}

  /** The class itself and its nested classes, by name, so lambdas and records inside count too. */
  static DescribedPredicate<JavaClass> belongToClass(String className) {
    return DescribedPredicate.describe(
        "belong to " + className,
        javaClass ->
            javaClass.getName().equals(className)
                || javaClass.getName().startsWith(className + "$"));
  }

  private static DescribedPredicate<JavaMethodCall> imageIoDecoding() {
    return DescribedPredicate.describe(
        "javax.imageio.ImageIO.read* or ImageIO.getImageReaders*",
        call ->
            call.getTargetOwner().getName().equals("javax.imageio.ImageIO")
                && (call.getName().startsWith("read")
                    || call.getName().startsWith("getImageReaders")));
  }

  private static DescribedPredicate<JavaMethodCall> serviceLoaderLoading() {
    return DescribedPredicate.describe(
        "java.util.ServiceLoader.load*",
        call ->
            call.getTargetOwner().getName().equals("java.util.ServiceLoader")
                && call.getName().startsWith("load"));
  }

  private static String[] concat(String[] first, String... second) {
    String[] all = new String[first.length + second.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }
}
