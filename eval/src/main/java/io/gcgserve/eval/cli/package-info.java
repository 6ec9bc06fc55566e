/** The {@code gcg-eval} command line. */
@NullMarked
package io.gcgserve.eval.cli;

import org.jspecify.annotations.NullMarked;
