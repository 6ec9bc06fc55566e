/**
 * The Java client's runner of the conformance scenarios ({@code clients/conformance/}): the
 * reference whose observations every other client must match.
 */
@NullMarked
package io.gcgserve.client.conformance;

import org.jspecify.annotations.NullMarked;
