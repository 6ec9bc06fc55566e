/** The set of built-in pruners and the registry that every program builds from it. */
@NullMarked
package io.gcgserve.pruners.builtin;

import org.jspecify.annotations.NullMarked;
