/**
 * The visual-token pruner SPI and the built-in pruners (none, FastV, PyramidDrop, ALTP).
 *
 * <p>This package is engine-free: it never touches DJL. The model hands a pruner a {@link
 * io.gcgserve.pruners.PruningView} (attention scores, live token indices, the image) and receives a
 * {@link io.gcgserve.pruners.KeepSet}. Pruner factories are discovered by name: built-ins are bound
 * by the server, third-party jars are found through {@link java.util.ServiceLoader} on {@link
 * io.gcgserve.pruners.PrunerFactory}.
 */
@NullMarked
package io.gcgserve.pruners;

import org.jspecify.annotations.NullMarked;
