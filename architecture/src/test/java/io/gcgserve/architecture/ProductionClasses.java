package io.gcgserve.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * Imports every module's production classes once for all rule tests.
 *
 * <p>Importing scans the whole test classpath, which is the slow part of an ArchUnit test, so the
 * result is shared. Test classes, the fixtures among them, are left out: the rules speak about what
 * ships.
 */
final class ProductionClasses {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.gcgserve");

  private ProductionClasses() {}

  /** The production classes of every gcg-serve module on the test classpath. */
  static JavaClasses all() {
    return CLASSES;
  }
}
