/** The served model's lifecycle: loading (bundled or from a directory), warm-up, readiness. */
@NullMarked
package io.gcgserve.server.model;

import org.jspecify.annotations.NullMarked;
