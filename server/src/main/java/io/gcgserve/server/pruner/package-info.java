/**
 * The pruner registry: built-ins bound with a Guice MapBinder, plugins found with {@link
 * java.util.ServiceLoader}, and the conversion of a request's pruner spec to factory parameters.
 */
@NullMarked
package io.gcgserve.server.pruner;

import org.jspecify.annotations.NullMarked;
