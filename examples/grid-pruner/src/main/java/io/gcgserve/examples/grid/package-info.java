/**
 * An example third-party pruner plugin: uniform grid subsampling of the visual tokens.
 *
 * <p>It shows the whole plugin contract: a {@link io.gcgserve.pruners.PrunerFactory} with typed
 * parameters, listed in {@code META-INF/services/io.gcgserve.pruners.PrunerFactory}, so that
 * dropping the jar on the server's classpath makes {@code grid} selectable by name.
 */
@NullMarked
package io.gcgserve.examples.grid;

import org.jspecify.annotations.NullMarked;
